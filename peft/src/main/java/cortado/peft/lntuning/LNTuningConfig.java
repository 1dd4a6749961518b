package cortado.peft.lntuning;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LNTuningConfig} (Zhao et al. 2023, "Tuning LayerNorm in Attention: Towards Efficient Multi-Modal LLM
 * Finetuning"): each target normalization layer gets a trained copy per adapter, which the forward pass uses instead
 * of the frozen original. Fields as peft 0.21's.
 */
public record LNTuningConfig(TargetModules targetModules, TargetModules excludeModules, List<String> modulesToSave,
                             String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "LN_TUNING";

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
        return ConfigJson.tuner(this, autoMapping, true, false);
    }

    /** Reads a parsed adapter_config.json whose peft_type is LN_TUNING; {@code where} (the file) prefixes every error. */
    public static LNTuningConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        return new LNTuningConfig(f.targets("target_modules"), f.targets("exclude_modules"),
                f.stringOrStrings("modules_to_save"), f.string("base_model_name_or_path", null),
                f.string("task_type", null));
    }
}
