package cortado.peft.fourierft;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's {@code FourierFTConfig} (Gao et al. 2024, "Parameter-Efficient Fine-Tuning with Discrete Fourier
 * Transform"): per target, {@code n_frequency} trained spectral coefficients at positions drawn by
 * {@code torch.randperm(out * in)} from a generator seeded {@code random_loc_seed}, and
 * {@code ΔW = Re(ifft2(dense spectrum)) * scaling}. Field names and defaults are peft 0.21's.
 *
 * @param nFrequency        coefficients per target (peft default 1000)
 * @param scaling           the factor on the inverse DFT (default 150)
 * @param randomLocSeed     the seed of the positions (default 777; every target of an adapter uses the same one)
 * @param fanInFanOut       the base stores W as {@code [in, out]} (peft turns it on for GPT-2's Conv1D)
 * @param bias              "none", "all" (every bias trains and is saved) or "fourier_only" (the wrapped layers')
 * @param nFrequencyPattern n_frequency per module name (peft: the first key k with the module path matching
 *                          {@code .*\.k$}, else the path itself as a key)
 * @param initWeights       false (peft's default): the spectrum standard normal; true: zeros (no change at start)
 */
public record FourierFTConfig(int nFrequency, double scaling, long randomLocSeed, boolean fanInFanOut,
                              TargetModules targetModules, TargetModules excludeModules, String bias,
                              List<String> modulesToSave, List<Integer> layersToTransform, List<String> layersPattern,
                              Map<String, Integer> nFrequencyPattern, boolean initWeights, String baseModelNameOrPath,
                              String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "FOURIERFT";
    private static final List<String> BIASES = List.of("none", "all", "fourier_only");

    public FourierFTConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        nFrequencyPattern = nFrequencyPattern == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new LinkedHashMap<>(nFrequencyPattern));
        bias = bias == null ? "none" : bias;
        if (!BIASES.contains(bias))
            throw new PeftException("bias must be one of none, all, fourier_only, got \"" + bias + "\"");
        if (nFrequency <= 0)
            throw new PeftException("`n_frequency` should be a positive integer value but the value passed is " + nFrequency);
        nFrequencyPattern.forEach((k, v) -> {
            if (v <= 0) throw new PeftException("n_frequency_pattern." + k + " must be positive, got " + v);
            try {
                Pattern.compile(".*\\." + k + "$");
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new PeftException("n_frequency_pattern key '" + k + "' is not a valid regex: " + e.getDescription());
            }
        });
        if (targetModules != null && targetModules.regex() != null && layersToTransform != null)
            throw new PeftException("`layers_to_transform` cannot be used when `target_modules` is a str.");
        if (targetModules != null && targetModules.regex() != null && layersPattern != null)
            throw new PeftException("`layers_pattern` cannot be used when `target_modules` is a str.");
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified. ");
    }

    /** n_frequency, scaling and targets (null: the architecture's default), everything else peft's default. */
    public static FourierFTConfig of(int nFrequency, double scaling, TargetModules targets) {
        return new FourierFTConfig(nFrequency, scaling, 777, false, targets, null, "none", null, null, null, null, false,
                null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    /** The n_frequency of the module at {@code path} (peft's {@code FourierFTModel._create_and_replace}). */
    public int nFrequencyFor(String path) {
        for (String k : nFrequencyPattern.keySet())
            if (Pattern.compile(".*\\." + k + "$").matcher(path).lookingAt()) return nFrequencyPattern.get(k);
        return nFrequencyPattern.getOrDefault(path, nFrequency);
    }

    @Override
    public FourierFTConfig withTargets(TargetModules t) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, fanInFanOut, t, excludeModules, bias,
                modulesToSave, layersToTransform, layersPattern, nFrequencyPattern, initWeights, baseModelNameOrPath,
                taskType);
    }

    @Override
    public FourierFTConfig withBaseModel(String nameOrPath) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, fanInFanOut, targetModules, excludeModules, bias,
                modulesToSave, layersToTransform, layersPattern, nFrequencyPattern, initWeights, nameOrPath, taskType);
    }

    public FourierFTConfig withFanInFanOut(boolean on) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, on, targetModules, excludeModules, bias,
                modulesToSave, layersToTransform, layersPattern, nFrequencyPattern, initWeights, baseModelNameOrPath,
                taskType);
    }

    public FourierFTConfig withInitWeights(boolean on) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, fanInFanOut, targetModules, excludeModules, bias,
                modulesToSave, layersToTransform, layersPattern, nFrequencyPattern, on, baseModelNameOrPath, taskType);
    }

    public FourierFTConfig withModulesToSave(List<String> m) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, fanInFanOut, targetModules, excludeModules, bias,
                m, layersToTransform, layersPattern, nFrequencyPattern, initWeights, baseModelNameOrPath, taskType);
    }

    public FourierFTConfig withBias(String b) {
        return new FourierFTConfig(nFrequency, scaling, randomLocSeed, fanInFanOut, targetModules, excludeModules, b,
                modulesToSave, layersToTransform, layersPattern, nFrequencyPattern, initWeights, baseModelNameOrPath,
                taskType);
    }

    /** The fields peft 0.21 writes for FourierFT, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, true);
        j.put("bias", bias);
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("init_weights", initWeights);
        j.put("n_frequency", (long) nFrequency);
        Map<String, Object> pattern = new LinkedHashMap<>();
        nFrequencyPattern.forEach((k, v) -> pattern.put(k, (long) v));
        j.put("n_frequency_pattern", pattern);
        j.put("random_loc_seed", randomLocSeed);
        j.put("scaling", scaling);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is FOURIERFT; {@code where} (the file) prefixes every error. */
    public static FourierFTConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        Object seed = j.get("random_loc_seed");
        if (seed != null && !(seed instanceof Long)) throw f.bad("random_loc_seed", "an integer", seed);
        return f.read(() -> new FourierFTConfig(f.integer("n_frequency", 1000), f.real("scaling", 150.0),
                seed == null ? 777 : (Long) seed, f.bool("fan_in_fan_out", false), f.targets("target_modules"),
                f.targets("exclude_modules"), f.string("bias", "none"), f.strings("modules_to_save"),
                f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"), f.intMap("n_frequency_pattern"),
                f.bool("init_weights", false), f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
