package cortado.cli;

import cortado.nn.Parameter;
import cortado.train.Optimizer;
import cortado.train.OptimizerKind;
import cortado.train.ParamGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The optimizer flags the training commands share (the loop's own are {@link TrainingOptions}): {@code --optimizer} (every {@link OptimizerKind}),
 * {@code --optimizer-memory-cap} for the paged kinds and {@code --param-group} ({@link ParamGroups}).
 */
final class OptimizerOptions {
    /** The --optimizer names, in OptimizerKind's order. */
    static final List<String> NAMES = Arrays.stream(OptimizerKind.values()).map(OptimizerKind::cliName).toList();

    private OptimizerOptions() {}

    /** Adds the flags. */
    static Args declare(Args a) {
        return a.option("optimizer", String.join("|", NAMES), OptimizerKind.help() + ". Only trainable parameters"
                        + " have state", "adamw")
                .option("optimizer-memory-cap", "MB", "paged optimizers: megabytes of optimizer state held in memory"
                        + " (the rest spilled to OUT/)", "256")
                .repeatable("param-group", "PATTERN=LR_SCALE[:DECAY]", "parameters whose name matches PATTERN (* is"
                        + " any run of characters) train at lr * LR_SCALE, with weight decay DECAY if given (else the"
                        + " run's rule: --weight-decay on matrices, none on biases and norms); the first match decides");
    }

    /** The --optimizer kind, checked against the flags that do not apply to it. */
    static OptimizerKind kind(Args a) throws UsageException {
        OptimizerKind kind = OptimizerKind.parse(a.choice("optimizer", NAMES.toArray(String[]::new)));
        if (a.has("optimizer-memory-cap") && !kind.paged())
            throw new UsageException("--optimizer-memory-cap applies to paged-adamw and paged-adamw-8bit, not "
                    + kind.cliName());
        if (a.has("zero") && a.nonNegativeInt("zero") > 0 && !kind.elementwise())
            throw new UsageException("--zero shards the optimizer state element by element, which " + kind.cliName()
                    + " cannot split (its update is not elementwise); use adamw, sgd, sgd-nesterov or lion");
        if (kind == OptimizerKind.ADAFACTOR_RELATIVE)   // transformers refuses an lr with relative_step too
            for (String f : List.of("lr", "schedule", "warmup"))
                if (a.has(f))
                    throw new UsageException("--" + f + " does not apply to adafactor-relative, whose step size is"
                            + " min(1e-2, 1/sqrt(step)) * rms(parameter); use --optimizer adafactor for an lr schedule");
        return kind;
    }

    /** The --param-group rules over the run's weight decay. */
    static ParamGroups groups(Args a, float weightDecay) throws UsageException {
        List<ParamGroups.Group> groups = new ArrayList<>();
        for (String spec : a.strings("param-group")) {
            try {
                groups.add(ParamGroups.Group.parse(spec));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--param-group: " + e.getMessage());
            }
        }
        return new ParamGroups(weightDecay, groups);
    }

    /** Builds the chosen optimizer over a model's parameters; a paged one spills into {@code spillDir}. */
    static Function<Map<String, Parameter>, Optimizer> factory(Args a, float weightDecay, Path spillDir)
            throws UsageException {
        OptimizerKind kind = kind(a);
        ParamGroups groups = groups(a, weightDecay);
        long capBytes = (long) a.positiveInt("optimizer-memory-cap") << 20;
        return params -> {
            if (kind.paged()) {
                try {
                    Files.createDirectories(spillDir);
                } catch (IOException e) {
                    throw new UncheckedIOException(spillDir + ": cannot create (" + e.getMessage() + ")", e);
                }
            }
            groups.requireMatches(params.entrySet().stream().filter(e -> e.getValue().trainable())
                    .map(Map.Entry::getKey).toList());
            return kind.create(params, groups, capBytes, spillDir);
        };
    }
}
