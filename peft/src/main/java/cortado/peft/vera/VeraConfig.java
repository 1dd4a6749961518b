package cortado.peft.vera;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code VeraConfig} (Kopiczko et al. 2024, "VeRA: Vector-based Random Matrix Adaptation"): one pair of frozen
 * random matrices {@code vera_A [r, in_max]} and {@code vera_B [out_max, r]} shared by every target, and per target two
 * trained vectors, {@code ΔW = diag(λ_b) B diag(λ_d) A} (each layer slicing A and B to its size). Field names and
 * defaults are peft 0.21's (VeraConfig has no exclude_modules).
 *
 * @param r                 the shared rank (peft default 256)
 * @param projectionPrngKey the seed of torch's generator that draws A and B (kaiming-uniform), default 0
 * @param saveProjection    A and B saved with the adapter (default true); false: rebuilt from the key on load
 * @param veraDropout       dropout on the layer input of the adapter path (default 0)
 * @param dInitial          λ_d's start (default 0.1; λ_b starts at zero)
 * @param fanInFanOut       the base stores W as {@code [in, out]} (PEFT turns it on for GPT-2's Conv1D)
 * @param initWeights       true: λ_b zero, λ_d = d_initial; false: λ_b ones, λ_d standard normal
 */
public record VeraConfig(int r, TargetModules targetModules, long projectionPrngKey, boolean saveProjection,
                         double veraDropout, double dInitial, boolean fanInFanOut, List<String> modulesToSave,
                         boolean initWeights, List<Integer> layersToTransform, List<String> layersPattern,
                         String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "VERA";

    public VeraConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        if (r <= 0) throw new PeftException("`r` should be a positive integer value but the value passed is " + r);
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified.");
    }

    /** Rank and targets (null: the architecture's default), everything else peft's default. */
    public static VeraConfig of(int r, TargetModules targets) {
        return new VeraConfig(r, targets, 0, true, 0, 0.1, false, null, true, null, null, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public TargetModules excludeModules() { return null; }

    @Override
    public VeraConfig withTargets(TargetModules t) {
        return new VeraConfig(r, t, projectionPrngKey, saveProjection, veraDropout, dInitial, fanInFanOut,
                modulesToSave, initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    @Override
    public VeraConfig withBaseModel(String nameOrPath) {
        return new VeraConfig(r, targetModules, projectionPrngKey, saveProjection, veraDropout, dInitial, fanInFanOut,
                modulesToSave, initWeights, layersToTransform, layersPattern, nameOrPath, taskType);
    }

    public VeraConfig withFanInFanOut(boolean on) {
        return new VeraConfig(r, targetModules, projectionPrngKey, saveProjection, veraDropout, dInitial, on,
                modulesToSave, initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    public VeraConfig withProjection(long key, boolean save) {
        return new VeraConfig(r, targetModules, key, save, veraDropout, dInitial, fanInFanOut, modulesToSave,
                initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    public VeraConfig withInitWeights(boolean on) {
        return new VeraConfig(r, targetModules, projectionPrngKey, saveProjection, veraDropout, dInitial, fanInFanOut,
                modulesToSave, on, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    public VeraConfig withModulesToSave(List<String> m) {
        return new VeraConfig(r, targetModules, projectionPrngKey, saveProjection, veraDropout, dInitial, fanInFanOut,
                m, initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for VeRA, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, false, true);
        j.put("bias", "none");
        j.put("d_initial", dInitial);
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("init_weights", initWeights);
        j.put("projection_prng_key", projectionPrngKey);
        j.put("r", (long) r);
        j.put("save_projection", saveProjection);
        j.put("vera_dropout", veraDropout);
        return j;
    }

    /**
     * Reads a parsed adapter_config.json whose peft_type is VERA; {@code where} (the file) prefixes every error. A
     * trained bias ({@code bias} other than "none") is not supported and says so.
     */
    public static VeraConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("bias", "none", "training biases with VeRA");
        Object key = j.get("projection_prng_key");
        if (key != null && !(key instanceof Long)) throw f.bad("projection_prng_key", "an integer", key);
        return f.read(() -> new VeraConfig(f.integer("r", 256), f.targets("target_modules"), key == null ? 0 : (Long) key,
                    f.bool("save_projection", true), f.real("vera_dropout", 0), f.real("d_initial", 0.1),
                    f.bool("fan_in_fan_out", false), f.strings("modules_to_save"), f.bool("init_weights", true),
                    f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"),
                    f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
