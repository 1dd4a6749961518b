package cortado.peft.lntuning;

import cortado.peft.ConfigFields;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PEFT's {@code LNTuningConfig} (Zhao et al. 2023, "Tuning LayerNorm in Attention: Towards Efficient Multi-Modal LLM
 * Finetuning"): each target normalization layer gets a trained copy per adapter, which the forward pass uses instead
 * of the frozen original. Fields as peft 0.21's.
 */
public record LNTuningConfig(TargetModules targetModules, TargetModules excludeModules, List<String> modulesToSave,
                             String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "LN_TUNING";
    public static final String PEFT_VERSION = "0.21.0";

    public LNTuningConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    }

    /** The given targets (null: the architecture's default), nothing else. */
    public static LNTuningConfig of(TargetModules targets) { return new LNTuningConfig(targets, null, null, null, null); }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public LNTuningConfig withTargets(TargetModules t) {
        return new LNTuningConfig(t, excludeModules, modulesToSave, baseModelNameOrPath, taskType);
    }

    @Override
    public LNTuningConfig withBaseModel(String nameOrPath) {
        return new LNTuningConfig(targetModules, excludeModules, modulesToSave, nameOrPath, taskType);
    }

    public LNTuningConfig withModulesToSave(List<String> m) {
        return new LNTuningConfig(targetModules, excludeModules, m, baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for LN tuning, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = new TreeMap<>();
        if (autoMapping != null) j.put("auto_mapping", autoMapping);
        j.put("base_model_name_or_path", baseModelNameOrPath);
        j.put("exclude_modules", excludeModules == null ? null : excludeModules.toJson());
        j.put("inference_mode", true);
        j.put("modules_to_save", modulesToSave.isEmpty() ? null : modulesToSave);
        j.put("peft_type", PEFT_TYPE);
        j.put("peft_version", PEFT_VERSION);
        j.put("revision", null);
        j.put("target_modules", targetModules == null ? null : targetModules.toJson());
        j.put("task_type", taskType);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is LN_TUNING; {@code where} (the file) prefixes every error. */
    public static LNTuningConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = new ConfigFields(j, where);
        if (!PEFT_TYPE.equals(j.get("peft_type")))
            throw new PeftException(where + ": peft_type \"" + j.get("peft_type") + "\" is not " + PEFT_TYPE);
        return new LNTuningConfig(f.targets("target_modules"), f.targets("exclude_modules"),
                f.stringOrStrings("modules_to_save"), f.string("base_model_name_or_path", null),
                f.string("task_type", null));
    }
}
