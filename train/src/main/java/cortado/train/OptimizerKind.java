package cortado.train;

import cortado.nn.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The optimizers a run can choose ({@code --optimizer}): AdamW with fp32 state, with its large tensors' state paged
 * out under a memory cap, with 8-bit blockwise-quantized state (bitsandbytes' AdamW8bit), or both.
 */
public enum OptimizerKind {
    ADAMW("adamw"), PAGED_ADAMW("paged-adamw"), ADAMW_8BIT("adamw-8bit"), PAGED_ADAMW_8BIT("paged-adamw-8bit");

    private final String cliName;

    OptimizerKind(String cliName) { this.cliName = cliName; }

    /** The name on the command line and in checkpoints. */
    public String cliName() { return cliName; }

    public boolean paged() { return this == PAGED_ADAMW || this == PAGED_ADAMW_8BIT; }

    public boolean eightBit() { return this == ADAMW_8BIT || this == PAGED_ADAMW_8BIT; }

    /** The kind named {@code name}; an unknown name is an error listing the known ones. */
    public static OptimizerKind parse(String name) {
        for (OptimizerKind k : values()) if (k.cliName.equals(name)) return k;
        throw new IllegalArgumentException("unknown optimizer '" + name + "' (known: " + names() + ")");
    }

    /** The known names, comma separated, for help and error text. */
    public static String names() {
        return Arrays.stream(values()).map(OptimizerKind::cliName).collect(Collectors.joining(", "));
    }

    /**
     * A new optimizer of this kind over the trainable parameters of {@code params}, with PyTorch's betas and eps.
     *
     * @param memoryCapBytes for paged kinds, the most bytes of state held in memory (--optimizer-memory-cap)
     * @param spillDir for paged kinds, where the spill file goes (null: the system temporary directory)
     */
    public Optimizer create(Map<String, Parameter> params, float weightDecay, long memoryCapBytes, Path spillDir) {
        return switch (this) {
            case ADAMW -> new AdamW(params, weightDecay);
            case ADAMW_8BIT -> new AdamW8bit(params, weightDecay);
            case PAGED_ADAMW -> new PagedAdamW(params, weightDecay, false, memoryCapBytes, spillDir);
            case PAGED_ADAMW_8BIT -> new PagedAdamW(params, weightDecay, true, memoryCapBytes, spillDir);
        };
    }
}
