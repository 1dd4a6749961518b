package cortado.peft.hra;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code HRAConfig} (Yuan et al. 2024): a target's weight becomes {@code W H_1 H_2 ... H_r} with
 * {@code H_i = I - 2 u_i u_iᵀ / ||u_i||²}, the vectors {@code hra_u [in, r]} trained; with {@code apply_GS} the u are
 * orthonormalized first (Gram-Schmidt) and the chain is {@code I - 2 U Uᵀ}. Field names and defaults are peft 0.21's.
 *
 * @param r           the number of reflections (peft default 8)
 * @param applyGs     Gram-Schmidt orthogonalization of the u (default false)
 * @param initWeights true: the u repeated in pairs (each reflection undone by its twin: the chain starts at the
 *                    identity; for an even r), false: all kaiming-uniform
 */
public record HRAConfig(int r, boolean applyGs, TargetModules targetModules, TargetModules excludeModules,
                        boolean initWeights, List<Integer> layersToTransform, List<String> layersPattern,
                        List<String> modulesToSave, String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "HRA";

    public HRAConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        if (r <= 0) throw new PeftException("`r` should be a positive integer value but the value passed is " + r);
        if (targetModules != null && targetModules.regex() != null && layersToTransform != null)
            throw new PeftException("`layers_to_transform` cannot be used when `target_modules` is a str.");
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified. ");
    }

    /** r and targets (null: the architecture's default), everything else peft's default. */
    public static HRAConfig of(int r, TargetModules targets) {
        return new HRAConfig(r, false, targets, null, true, null, null, null, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public HRAConfig withTargets(TargetModules t) {
        return new HRAConfig(r, applyGs, t, excludeModules, initWeights, layersToTransform, layersPattern, modulesToSave,
                baseModelNameOrPath, taskType);
    }

    @Override
    public HRAConfig withBaseModel(String nameOrPath) {
        return new HRAConfig(r, applyGs, targetModules, excludeModules, initWeights, layersToTransform, layersPattern,
                modulesToSave, nameOrPath, taskType);
    }

    public HRAConfig withGramSchmidt(boolean on) {
        return new HRAConfig(r, on, targetModules, excludeModules, initWeights, layersToTransform, layersPattern,
                modulesToSave, baseModelNameOrPath, taskType);
    }

    public HRAConfig withInitWeights(boolean on) {
        return new HRAConfig(r, applyGs, targetModules, excludeModules, on, layersToTransform, layersPattern,
                modulesToSave, baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for HRA, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, true);
        j.put("apply_GS", applyGs);
        j.put("bias", "none");
        j.put("init_weights", initWeights);
        j.put("r", (long) r);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is HRA; a trained bias is not supported and says so. */
    public static HRAConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("bias", "none", "training biases with HRA");
        return f.read(() -> new HRAConfig(f.integer("r", 8), f.bool("apply_GS", false), f.targets("target_modules"),
                f.targets("exclude_modules"), f.bool("init_weights", true), f.integers("layers_to_transform"),
                f.stringOrStrings("layers_pattern"), f.strings("modules_to_save"),
                f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
