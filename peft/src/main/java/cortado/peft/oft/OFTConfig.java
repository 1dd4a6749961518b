package cortado.peft.oft;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code OFTConfig} as of peft 0.21 (Qiu et al. 2023, "Controlling Text-to-Image Diffusion by Orthogonal
 * Finetuning"; the block-size form of peft 0.14+ and the Cayley-Neumann parametrization of 0.18+): each target's input
 * is rotated block-wise by a learned near-orthogonal matrix before the frozen layer, {@code y = W (R x)}. Exactly one
 * of r (blocks per layer) and oft_block_size is non-zero.
 *
 * @param r                    blocks per layer, or 0 to take them from oft_block_size (default 0)
 * @param oftBlockSize         the block size, or 0 to take it from r (default 32)
 * @param moduleDropout        peft's multiplicative block dropout; peft 0.21's Linear forward never applies it
 * @param coft                 constrained OFT: each block's skew part projected into an eps-ball (default false)
 * @param eps                  COFT's radius (default 6e-5)
 * @param blockShare           one rotation block shared by every block of a layer (default false)
 * @param useCayleyNeumann     Cayley transform by its Neumann series (default true; the exact solve is not supported)
 * @param numCayleyNeumannTerms terms of the series (default 5)
 * @param initWeights          true: rotation parameters zero (R = I); false: N(0, 0.1²)
 */
public record OFTConfig(int r, int oftBlockSize, double moduleDropout, TargetModules targetModules, boolean fanInFanOut,
                        TargetModules excludeModules, boolean initWeights, List<Integer> layersToTransform,
                        List<String> layersPattern, List<String> modulesToSave, boolean coft, double eps,
                        boolean blockShare, boolean useCayleyNeumann, int numCayleyNeumannTerms,
                        String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "OFT";

    public OFTConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        if (r == 0 && oftBlockSize == 0)
            throw new PeftException("Either `r` or `oft_block_size` must be non-zero. Currently, r = 0 and"
                    + " oft_block_size = 0.");
        if (r != 0 && oftBlockSize != 0)
            throw new PeftException("You can only specify either r (" + r + ") or oft_block_size (" + oftBlockSize
                    + "), but not both simultaneously, because r x oft_block_size == in_features.");
        if (!useCayleyNeumann)
            throw new PeftException("use_cayley_neumann = false asks for the exact Cayley transform (a linear solve),"
                    + " which is not supported; peft's default, the Neumann series, is");
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified.");
    }

    /** Block size and targets (null: the architecture's default), everything else peft's default. */
    public static OFTConfig ofBlockSize(int blockSize, TargetModules targets) {
        return new OFTConfig(0, blockSize, 0, targets, false, null, true, null, null, null, false, 6e-5, false, true, 5,
                null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public OFTConfig withTargets(TargetModules t) {
        return new OFTConfig(r, oftBlockSize, moduleDropout, t, fanInFanOut, excludeModules, initWeights,
                layersToTransform, layersPattern, modulesToSave, coft, eps, blockShare, useCayleyNeumann,
                numCayleyNeumannTerms, baseModelNameOrPath, taskType);
    }

    @Override
    public OFTConfig withBaseModel(String nameOrPath) {
        return new OFTConfig(r, oftBlockSize, moduleDropout, targetModules, fanInFanOut, excludeModules, initWeights,
                layersToTransform, layersPattern, modulesToSave, coft, eps, blockShare, useCayleyNeumann,
                numCayleyNeumannTerms, nameOrPath, taskType);
    }

    public OFTConfig withInitWeights(boolean on) {
        return new OFTConfig(r, oftBlockSize, moduleDropout, targetModules, fanInFanOut, excludeModules, on,
                layersToTransform, layersPattern, modulesToSave, coft, eps, blockShare, useCayleyNeumann,
                numCayleyNeumannTerms, baseModelNameOrPath, taskType);
    }

    public OFTConfig withConstraint(boolean coftOn, double epsilon, boolean share) {
        return new OFTConfig(r, oftBlockSize, moduleDropout, targetModules, fanInFanOut, excludeModules, initWeights,
                layersToTransform, layersPattern, modulesToSave, coftOn, epsilon, share, useCayleyNeumann,
                numCayleyNeumannTerms, baseModelNameOrPath, taskType);
    }

    public OFTConfig withModulesToSave(List<String> m) {
        return new OFTConfig(r, oftBlockSize, moduleDropout, targetModules, fanInFanOut, excludeModules, initWeights,
                layersToTransform, layersPattern, m, coft, eps, blockShare, useCayleyNeumann, numCayleyNeumannTerms,
                baseModelNameOrPath, taskType);
    }

    /** The fields peft 0.21 writes for OFT, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, true);
        j.put("bias", "none");
        j.put("block_share", blockShare);
        j.put("coft", coft);
        j.put("eps", eps);
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("init_weights", initWeights);
        j.put("module_dropout", moduleDropout);
        j.put("num_cayley_neumann_terms", (long) numCayleyNeumannTerms);
        j.put("oft_block_size", (long) oftBlockSize);
        j.put("r", (long) r);
        j.put("use_cayley_neumann", useCayleyNeumann);
        return j;
    }

    /**
     * Reads a parsed adapter_config.json whose peft_type is OFT; {@code where} (the file) prefixes every error. A file
     * without oft_block_size is peft's pre-0.14 OFT, whose weights do not fit (peft's {@code check_kwargs} refuses it
     * too); a trained bias is not supported.
     */
    public static OFTConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        if (!j.containsKey("oft_block_size"))
            throw new PeftException(where + ": no oft_block_size: an OFT adapter from peft before 0.14.0, whose weights"
                    + " are incompatible with today's OFT (retrain it)");
        f.requireUnset("bias", "none", "training biases with OFT");
        return f.read(() -> new OFTConfig(f.integer("r", 0), f.integer("oft_block_size", 32), f.real("module_dropout", 0),
                    f.targets("target_modules"), f.bool("fan_in_fan_out", false), f.targets("exclude_modules"),
                    f.bool("init_weights", true), f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"),
                    f.strings("modules_to_save"), f.bool("coft", false), f.real("eps", 6e-5),
                    f.bool("block_share", false), f.bool("use_cayley_neumann", true),
                    f.integer("num_cayley_neumann_terms", 5), f.string("base_model_name_or_path", null),
                    f.string("task_type", null)));
    }
}
