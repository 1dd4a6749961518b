package cortado.peft.lokr;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import cortado.peft.lycoris.LycorisConfig;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LoKrConfig} (Edalati et al. 2022, KronA; LyCORIS' LoKr): each target's weight gains
 * {@code ΔW = (alpha / r) · W1 ⊗ W2}, a Kronecker product whose factors are full matrices or rank-r products
 * ({@link Factorization} splits the dimensions). Field names and defaults are peft 0.21's.
 *
 * @param r                rank of a decomposed factor (peft default 8)
 * @param alpha            scaling numerator (default 8)
 * @param rankDropout      probability of dropping a row of ΔW in training (default 0)
 * @param moduleDropout    probability of skipping the adapter in a training step (default 0)
 * @param useEffectiveConv2d for convolutions only (default false)
 * @param decomposeBothW1  peft's {@code decompose_both}: W1 too may be a rank-r product (default false)
 * @param decomposeFactor  the factor the split aims for; -1: near the square root (default -1)
 * @param rankDropoutScale divide the kept rows by their mean (default false)
 * @param initWeights      "true" (W1 zero), "false" (all random) or "lycoris" (W2 zero: LyCORIS' init)
 */
public record LoKrConfig(int r, double alpha, double rankDropout, double moduleDropout, boolean useEffectiveConv2d,
                         boolean decomposeBothW1, int decomposeFactor, boolean rankDropoutScale,
                         TargetModules targetModules, TargetModules excludeModules, String initWeights,
                         List<Integer> layersToTransform, List<String> layersPattern, Map<String, Integer> rankPattern,
                         Map<String, Double> alphaPattern, List<String> modulesToSave, String baseModelNameOrPath,
                         String taskType) implements LycorisConfig {

    public static final String PEFT_TYPE = "LOKR";

    public LoKrConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        rankPattern = rankPattern == null ? Map.of() : Map.copyOf(rankPattern);
        alphaPattern = alphaPattern == null ? Map.of() : Map.copyOf(alphaPattern);
        if (!List.of("true", "false", "lycoris").contains(initWeights))
            throw new PeftException("init_weights must be true, false or \"lycoris\", got " + initWeights);
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified.");
    }

    /** Rank, alpha and targets (null: the architecture's default); everything else peft's default. */
    public static LoKrConfig of(int r, double alpha, TargetModules targets) {
        return new LoKrConfig(r, alpha, 0, 0, false, false, -1, false, targets, null, "true", null, null, null, null,
                null, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public LoKrConfig withTargets(TargetModules t) {
        return new LoKrConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, decomposeBothW1, decomposeFactor,
                rankDropoutScale, t, excludeModules, initWeights, layersToTransform, layersPattern, rankPattern,
                alphaPattern, modulesToSave, baseModelNameOrPath, taskType);
    }

    @Override
    public LoKrConfig withBaseModel(String nameOrPath) {
        return new LoKrConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, decomposeBothW1, decomposeFactor,
                rankDropoutScale, targetModules, excludeModules, initWeights, layersToTransform, layersPattern,
                rankPattern, alphaPattern, modulesToSave, nameOrPath, taskType);
    }

    public LoKrConfig withDecomposition(boolean both, int factor) {
        return new LoKrConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, both, factor, rankDropoutScale,
                targetModules, excludeModules, initWeights, layersToTransform, layersPattern, rankPattern, alphaPattern,
                modulesToSave, baseModelNameOrPath, taskType);
    }

    public LoKrConfig withInitWeights(String init) {
        return new LoKrConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, decomposeBothW1, decomposeFactor,
                rankDropoutScale, targetModules, excludeModules, init, layersToTransform, layersPattern, rankPattern,
                alphaPattern, modulesToSave, baseModelNameOrPath, taskType);
    }

    public LoKrConfig withModulesToSave(List<String> m) {
        return new LoKrConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, decomposeBothW1, decomposeFactor,
                rankDropoutScale, targetModules, excludeModules, initWeights, layersToTransform, layersPattern,
                rankPattern, alphaPattern, m, baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for LoKr, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = lycorisJson(autoMapping);
        j.put("decompose_both", decomposeBothW1);
        j.put("decompose_factor", (long) decomposeFactor);
        j.put("init_weights", initWeights.equals("lycoris") ? "lycoris" : (Object) Boolean.valueOf(initWeights));
        j.put("rank_dropout_scale", rankDropoutScale);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is LOKR; {@code where} (the file) prefixes every error. */
    public static LoKrConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        Object init = j.getOrDefault("init_weights", true);
        if (!(init instanceof Boolean) && !"lycoris".equals(init)) throw f.bad("init_weights", "true, false or \"lycoris\"", init);
        return f.read(() -> new LoKrConfig(f.integer("r", 8), f.real("alpha", 8), f.real("rank_dropout", 0),
                f.real("module_dropout", 0), f.bool("use_effective_conv2d", false), f.bool("decompose_both", false),
                f.integer("decompose_factor", -1), f.bool("rank_dropout_scale", false),
                f.targets("target_modules"), f.targets("exclude_modules"), init.toString(),
                f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"), f.intMap("rank_pattern"),
                f.realMap("alpha_pattern"), f.strings("modules_to_save"), f.string("base_model_name_or_path", null),
                f.string("task_type", null)));
    }
}
