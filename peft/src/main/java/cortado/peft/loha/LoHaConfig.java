package cortado.peft.loha;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import cortado.peft.lycoris.LycorisConfig;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code LoHaConfig} (Hyeon-Woo et al. 2022, FedPara; LyCORIS' LoHa): each target's weight gains
 * {@code ΔW = (alpha / r) · (W1a W1b) ⊙ (W2a W2b)}, a Hadamard product of two rank-r products. Field names and
 * defaults are peft 0.21's.
 *
 * @param r                  rank of each product (peft default 8)
 * @param alpha              scaling numerator (default 8)
 * @param rankDropout        probability of dropping a row of ΔW in training (default 0)
 * @param moduleDropout      probability of skipping the adapter in a training step (default 0)
 * @param useEffectiveConv2d FedPara's Proposition 3 for convolutions; no effect on Linear layers (default false)
 * @param initWeights        true: W2b zero, the rest kaiming-uniform (a fresh adapter changes nothing); false: all random
 */
public record LoHaConfig(int r, double alpha, double rankDropout, double moduleDropout, boolean useEffectiveConv2d,
                         TargetModules targetModules, TargetModules excludeModules, boolean initWeights,
                         List<Integer> layersToTransform, List<String> layersPattern, Map<String, Integer> rankPattern,
                         Map<String, Double> alphaPattern, List<String> modulesToSave, String baseModelNameOrPath,
                         String taskType) implements LycorisConfig {

    public static final String PEFT_TYPE = "LOHA";

    public LoHaConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        rankPattern = rankPattern == null ? Map.of() : Map.copyOf(rankPattern);
        alphaPattern = alphaPattern == null ? Map.of() : Map.copyOf(alphaPattern);
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified.");
    }

    /** Rank, alpha and targets (null: the architecture's default); everything else peft's default. */
    public static LoHaConfig of(int r, double alpha, TargetModules targets) {
        return new LoHaConfig(r, alpha, 0, 0, false, targets, null, true, null, null, null, null, null, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public LoHaConfig withTargets(TargetModules t) {
        return new LoHaConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, t, excludeModules, initWeights,
                layersToTransform, layersPattern, rankPattern, alphaPattern, modulesToSave, baseModelNameOrPath, taskType);
    }

    @Override
    public LoHaConfig withBaseModel(String nameOrPath) {
        return new LoHaConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, targetModules, excludeModules,
                initWeights, layersToTransform, layersPattern, rankPattern, alphaPattern, modulesToSave, nameOrPath,
                taskType);
    }

    public LoHaConfig withModulesToSave(List<String> m) {
        return new LoHaConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, targetModules, excludeModules,
                initWeights, layersToTransform, layersPattern, rankPattern, alphaPattern, m, baseModelNameOrPath,
                taskType);
    }

    public LoHaConfig withInitWeights(boolean on) {
        return new LoHaConfig(r, alpha, rankDropout, moduleDropout, useEffectiveConv2d, targetModules, excludeModules,
                on, layersToTransform, layersPattern, rankPattern, alphaPattern, modulesToSave, baseModelNameOrPath,
                taskType);
    }

    /** The fields peft 0.21 writes for LoHa, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = lycorisJson(autoMapping);
        j.put("init_weights", initWeights);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is LOHA; {@code where} (the file) prefixes every error. */
    public static LoHaConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        return f.read(() -> new LoHaConfig(f.integer("r", 8), f.real("alpha", 8), f.real("rank_dropout", 0),
                f.real("module_dropout", 0), f.bool("use_effective_conv2d", false), f.targets("target_modules"),
                f.targets("exclude_modules"), f.bool("init_weights", true), f.integers("layers_to_transform"),
                f.stringOrStrings("layers_pattern"), f.intMap("rank_pattern"), f.realMap("alpha_pattern"),
                f.strings("modules_to_save"), f.string("base_model_name_or_path", null),
                f.string("task_type", null)));
    }
}
