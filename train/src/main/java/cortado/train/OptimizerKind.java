package cortado.train;

import cortado.nn.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The optimizers a run can choose ({@code --optimizer}), each with its reference library's defaults: AdamW with fp32
 * state, paged and/or 8-bit (bitsandbytes); SGD with momentum 0.9, plain or Nesterov (torch.optim.SGD); LAMB and Lion
 * (timm.optim); Adafactor as transformers' Trainer runs it (external learning rate) or with the class's own relative
 * step.
 */
public enum OptimizerKind {
    ADAMW("adamw", "torch.optim.AdamW (fp32 moments)"),
    PAGED_ADAMW("paged-adamw", "AdamW whose large tensors' state lives in pages spilled to disk under a memory cap"),
    ADAMW_8BIT("adamw-8bit", "both moments 8-bit blockwise (bitsandbytes' AdamW8bit)"),
    PAGED_ADAMW_8BIT("paged-adamw-8bit", "8-bit and paged"),
    SGD("sgd", "torch.optim.SGD, momentum 0.9 (weight decay through the gradient)"),
    SGD_NESTEROV("sgd-nesterov", "torch.optim.SGD, momentum 0.9, nesterov=True"),
    LAMB("lamb", "timm.optim.Lamb (trust ratio on decayed tensors, global grad norm clipped to 1, eps 1e-6)"),
    LION("lion", "timm.optim.Lion, betas (0.9, 0.99): sign updates, use a 3-10x lower lr than AdamW"),
    ADAFACTOR("adafactor", "transformers' Adafactor as its Trainer runs it (factored second moments, the --lr"
            + " schedule, no scale_parameter)"),
    ADAFACTOR_RELATIVE("adafactor-relative", "transformers' Adafactor with its own defaults: relative step"
            + " min(1e-2, 1/sqrt(t)) times rms(p); --lr and --schedule are not used");

    private final String cliName, description;

    OptimizerKind(String cliName, String description) {
        this.cliName = cliName;
        this.description = description;
    }

    /** The name on the command line and in checkpoints. */
    public String cliName() { return cliName; }

    /** One line for help text. */
    public String description() { return description; }

    public boolean paged() { return this == PAGED_ADAMW || this == PAGED_ADAMW_8BIT; }

    /** Whether its update is elementwise ({@link ElementwiseOptimizer}), so ZeRO can shard its state at any element. */
    public boolean elementwise() { return this == ADAMW || this == SGD || this == SGD_NESTEROV || this == LION; }

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

    /** Every kind as {@code name: description}, separated by "; ", for help text. */
    public static String help() {
        return Arrays.stream(values()).map(k -> k.cliName + ": " + k.description).collect(Collectors.joining("; "));
    }

    /**
     * A new optimizer of this kind over the trainable parameters of {@code params}, with its reference's defaults.
     *
     * @param memoryCapBytes for paged kinds, the most bytes of state held in memory (--optimizer-memory-cap)
     * @param spillDir for paged kinds, where the spill file goes (null: the system temporary directory)
     */
    public Optimizer create(Map<String, Parameter> params, float weightDecay, long memoryCapBytes, Path spillDir) {
        return create(params, ParamGroups.uniform(weightDecay), memoryCapBytes, spillDir);
    }

    /** As above with per-parameter learning-rate scales and weight decays. */
    public Optimizer create(Map<String, Parameter> params, ParamGroups groups, long memoryCapBytes, Path spillDir) {
        return switch (this) {
            case ADAMW -> new AdamW(params, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, groups);
            case ADAMW_8BIT -> new AdamW8bit(params, 0.9, 0.999, 1e-8, groups);
            case PAGED_ADAMW -> new PagedAdamW(params, groups, false, memoryCapBytes, spillDir,
                    PagedAdamW.DEFAULT_PAGE_BYTES, PagedAdamW.PAGED_MIN_SIZE);
            case PAGED_ADAMW_8BIT -> new PagedAdamW(params, groups, true, memoryCapBytes, spillDir,
                    PagedAdamW.DEFAULT_PAGE_BYTES, PagedAdamW.PAGED_MIN_SIZE);
            case SGD -> new Sgd(params, new Sgd.Config(Sgd.Config.CLI_MOMENTUM, 0f, false), groups);
            case SGD_NESTEROV -> new Sgd(params, new Sgd.Config(Sgd.Config.CLI_MOMENTUM, 0f, true), groups);
            case LAMB -> new Lamb(params, Lamb.Config.TIMM, groups);
            case LION -> new Lion(params, Lion.Config.TIMM, groups);
            case ADAFACTOR -> new Adafactor(params, Adafactor.Config.HF_TRAINER, groups);
            case ADAFACTOR_RELATIVE -> new Adafactor(params, Adafactor.Config.TRANSFORMERS, groups);
        };
    }
}
