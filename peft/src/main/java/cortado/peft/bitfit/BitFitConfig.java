package cortado.peft.bitfit;

import cortado.peft.ConfigFields;
import cortado.peft.PeftConfig;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BitFit (Ben Zaken, Ravfogel and Goldberg 2021, "BitFit: Simple Parameter-efficient Fine-tuning for
 * Transformer-based Masked Language-models"): the base stays frozen except its bias terms (every parameter named
 * {@code bias}: linear layers' and LayerNorms'), plus any module trained whole (a task head). Not a PEFT method: its
 * {@code peft_type} {@code BITFIT} is Cortado's and it is saved in files of its own ({@link BitFitTuner}).
 *
 * @param targetModules       whose biases train (PEFT's target forms); null: every bias of the model
 * @param excludeModules      modules whose biases stay frozen, or null
 * @param modulesToSave       modules trained whole (e.g. {@code classifier}), in place, or empty
 * @param baseModelNameOrPath the base the biases were trained on, or null
 * @param taskType            a task label as PEFT's (e.g. {@code SEQ_CLS}), or null
 */
public record BitFitConfig(TargetModules targetModules, TargetModules excludeModules, List<String> modulesToSave,
                           String baseModelNameOrPath, String taskType) implements PeftConfig {

    /** Cortado's type tag (PEFT has no BitFit); peft never reads the files it is in. */
    public static final String PEFT_TYPE = "BITFIT";
    /** The version of the file layout {@link BitFitTuner} describes. */
    public static final long FORMAT_VERSION = 1;

    public BitFitConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    }

    /** Every bias of the model, plus the given modules trained whole (none when null). */
    public static BitFitConfig of(List<String> modulesToSave) { return new BitFitConfig(null, null, modulesToSave, null, null); }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public BitFitConfig withTargets(TargetModules t) {
        return new BitFitConfig(t, excludeModules, modulesToSave, baseModelNameOrPath, taskType);
    }

    @Override
    public BitFitConfig withBaseModel(String nameOrPath) {
        return new BitFitConfig(targetModules, excludeModules, modulesToSave, nameOrPath, taskType);
    }

    /** bitfit_config.json: these fields, the base's class ({@code auto_mapping}, as PEFT's) when known. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = new TreeMap<>();
        if (autoMapping != null) j.put("auto_mapping", autoMapping);
        j.put("base_model_name_or_path", baseModelNameOrPath);
        j.put("exclude_modules", excludeModules == null ? null : excludeModules.toJson());
        j.put("format_version", FORMAT_VERSION);
        j.put("modules_to_save", modulesToSave.isEmpty() ? null : modulesToSave);
        j.put("peft_type", PEFT_TYPE);
        j.put("target_modules", targetModules == null ? null : targetModules.toJson());
        j.put("task_type", taskType);
        return j;
    }

    /** Reads a parsed bitfit_config.json; {@code where} (the file) prefixes every error. */
    public static BitFitConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        Object v = j.get("format_version");
        if (v != null && !Long.valueOf(FORMAT_VERSION).equals(v))
            throw f.bad("format_version", String.valueOf(FORMAT_VERSION), v);
        return new BitFitConfig(f.targets("target_modules"), f.targets("exclude_modules"), f.strings("modules_to_save"),
                f.string("base_model_name_or_path", null), f.string("task_type", null));
    }
}
