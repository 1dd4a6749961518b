package cortado.peft.boft;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code BOFTConfig} as of peft 0.21 (Liu et al. 2024, "Parameter-Efficient Orthogonal Finetuning via
 * Butterfly Factorization"): each target's input is rotated by a product of butterfly factors, each a permuted
 * block-diagonal matrix of exact Cayley rotations, and its output scaled per feature, {@code y = s * (W (R x)) + b}.
 * Exactly one of boft_block_size and boft_block_num is non-zero.
 *
 * <p>boft_n_butterfly_factor is honoured as peft computes it with its CUDA extension ({@code fbd_cuda}); without
 * that extension (any CPU run) peft silently drops the factor to 1, so a file peft wrote on a CPU with a factor above 1
 * holds a boft_R of leading size 1 that does not fit its own config, and Cortado refuses it by the shape.
 *
 * @param boftBlockSize        the rotation block size, or 0 to take it from boft_block_num (default 4)
 * @param boftBlockNum         blocks per layer, or 0 to take them from boft_block_size (default 0)
 * @param boftNButterflyFactor butterfly factors (default 1: plain block-diagonal OFT with exact Cayley)
 * @param boftDropout          multiplicative dropout: in training, that share of one factor's blocks set to I
 * @param initWeights          true: boft_R zero (R = I) and boft_s one; false: boft_R N(0, 0.1²), boft_s N(1, 0.1²)
 */
public record BOFTConfig(int boftBlockSize, int boftBlockNum, int boftNButterflyFactor, double boftDropout,
                         TargetModules targetModules, TargetModules excludeModules, boolean fanInFanOut,
                         List<String> modulesToSave, boolean initWeights, List<Integer> layersToTransform,
                         List<String> layersPattern, String baseModelNameOrPath, String taskType) implements PeftConfig {

    public static final String PEFT_TYPE = "BOFT";

    public BOFTConfig {
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        if (layersPattern != null && !layersPattern.isEmpty() && layersToTransform == null)
            throw new PeftException("When `layers_pattern` is specified, `layers_to_transform` must also be specified. ");
        if (boftBlockSize == 0 && boftBlockNum == 0)
            throw new PeftException("Either `boft_block_size` or `boft_block_num` must be non-zero. Currently,"
                    + " boft_block_size = 0 and boft_block_num = 0.");
        if (boftBlockSize != 0 && boftBlockNum != 0)
            throw new PeftException("You can only specify either boft_block_size (" + boftBlockSize + ") or"
                    + " boft_block_num (" + boftBlockNum + "), but not both simultaneously, because boft_block_size x"
                    + " boft_block_num == in_features.");
        if (boftBlockSize < 0 || boftBlockNum < 0)
            throw new PeftException("boft_block_size and boft_block_num must not be negative, got " + boftBlockSize
                    + " and " + boftBlockNum);
        if (boftNButterflyFactor < 1)
            throw new PeftException("You can only specify boft_n_butterfly_factor " + boftNButterflyFactor
                    + " to be a positive integer number.");
        if (!(boftDropout >= 0 && boftDropout < 1))
            throw new PeftException("boft_dropout must be in [0, 1), got " + boftDropout);
    }

    /** Block size, butterfly factors and targets (null: the architecture's default), everything else peft's default. */
    public static BOFTConfig of(int blockSize, int butterflyFactors, TargetModules targets) {
        return new BOFTConfig(blockSize, 0, butterflyFactors, 0, targets, null, false, null, true, null, null, null, null);
    }

    /** Blocks per layer instead of a block size. */
    public static BOFTConfig ofBlockNum(int blockNum, int butterflyFactors, TargetModules targets) {
        return new BOFTConfig(0, blockNum, butterflyFactors, 0, targets, null, false, null, true, null, null, null, null);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public BOFTConfig withTargets(TargetModules t) {
        return new BOFTConfig(boftBlockSize, boftBlockNum, boftNButterflyFactor, boftDropout, t, excludeModules,
                fanInFanOut, modulesToSave, initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    @Override
    public BOFTConfig withBaseModel(String nameOrPath) {
        return new BOFTConfig(boftBlockSize, boftBlockNum, boftNButterflyFactor, boftDropout, targetModules,
                excludeModules, fanInFanOut, modulesToSave, initWeights, layersToTransform, layersPattern, nameOrPath,
                taskType);
    }

    public BOFTConfig withInitWeights(boolean on) {
        return new BOFTConfig(boftBlockSize, boftBlockNum, boftNButterflyFactor, boftDropout, targetModules,
                excludeModules, fanInFanOut, modulesToSave, on, layersToTransform, layersPattern, baseModelNameOrPath,
                taskType);
    }

    public BOFTConfig withDropout(double p) {
        return new BOFTConfig(boftBlockSize, boftBlockNum, boftNButterflyFactor, p, targetModules, excludeModules,
                fanInFanOut, modulesToSave, initWeights, layersToTransform, layersPattern, baseModelNameOrPath, taskType);
    }

    public BOFTConfig withModulesToSave(List<String> m) {
        return new BOFTConfig(boftBlockSize, boftBlockNum, boftNButterflyFactor, boftDropout, targetModules,
                excludeModules, fanInFanOut, m, initWeights, layersToTransform, layersPattern, baseModelNameOrPath,
                taskType);
    }

    /** The fields peft 0.21 writes for BOFT, sorted as its {@code save_pretrained} writes them. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, true);
        j.put("bias", "none");
        j.put("boft_block_num", (long) boftBlockNum);
        j.put("boft_block_size", (long) boftBlockSize);
        j.put("boft_dropout", boftDropout);
        j.put("boft_n_butterfly_factor", (long) boftNButterflyFactor);
        j.put("fan_in_fan_out", fanInFanOut);
        j.put("init_weights", initWeights);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is BOFT; a trained bias is not supported. */
    public static BOFTConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("bias", "none", "training biases with BOFT");
        return f.read(() -> new BOFTConfig(f.integer("boft_block_size", 4), f.integer("boft_block_num", 0),
                f.integer("boft_n_butterfly_factor", 1), f.real("boft_dropout", 0), f.targets("target_modules"),
                f.targets("exclude_modules"), f.bool("fan_in_fan_out", false), f.strings("modules_to_save"),
                f.bool("init_weights", true), f.integers("layers_to_transform"), f.stringOrStrings("layers_pattern"),
                f.string("base_model_name_or_path", null), f.string("task_type", null)));
    }
}
