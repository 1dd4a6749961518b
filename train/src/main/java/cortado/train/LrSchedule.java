package cortado.train;

import java.util.List;

/**
 * Learning rate as a function of the optimizer step (0-based: the rate used for update number {@code step + 1}).
 *
 * <p>Two families. This project's own, llm.c-style (warmup reaches the peak at the end of warmup, so the first update
 * is not taken at rate 0):
 * <ul>
 *   <li>{@link #cosine} ({@code cosine}): linear warmup {@code lr * (step+1) / warmup}, then a half cosine from
 *   {@code lr} towards {@code minLr = minFraction * lr}:
 *   {@code minLr + 0.5 (1 + cos(pi (step-warmup)/(total-warmup))) (lr - minLr)} (Loshchilov &amp; Hutter, SGDR), the
 *   same formula as llm.c's train_gpt2. nanoGPT and the Chinchilla recipe end at one tenth of the peak, which is
 *   {@link #DEFAULT_MIN_FRACTION}.</li>
 *   <li>{@link #constant} ({@code constant}): the same warmup, then {@code lr}.</li>
 * </ul>
 * And transformers' functions, exactly: {@code lr * lambda(step)} with their warmup {@code step / max(1, warmup)},
 * which starts at rate 0 (as {@code LambdaLR} applies {@code lambda(0)} to the first update):
 * <ul>
 *   <li>{@link #linear} ({@code linear}): {@code get_linear_schedule_with_warmup}, down to 0 at the last step;</li>
 *   <li>{@link #hfCosine} ({@code hf-cosine}): {@code get_cosine_schedule_with_warmup}, num_cycles 0.5 (to 0);</li>
 *   <li>{@link #cosineWithRestarts} ({@code cosine-with-restarts[:N]}):
 *   {@code get_cosine_with_hard_restarts_schedule_with_warmup}, N cycles (default 1);</li>
 *   <li>{@link #constantWithWarmup} ({@code constant-with-warmup}): {@code get_constant_schedule_with_warmup};</li>
 *   <li>{@link #inverseSqrt} ({@code inverse-sqrt[:TIMESCALE]}): {@code get_inverse_sqrt_schedule},
 *   {@code 1 / sqrt((step + timescale - warmup) / timescale)} after warmup; timescale defaults to the warmup, or
 *   10000 without one.</li>
 * </ul>
 */
@FunctionalInterface
public interface LrSchedule {
    float DEFAULT_MIN_FRACTION = 0.1f;

    /** The names {@link #named} knows (a suffix {@code :N} sets cosine-with-restarts' cycles, inverse-sqrt's timescale). */
    List<String> NAMES = List.of("cosine", "constant", "linear", "hf-cosine", "cosine-with-restarts",
            "constant-with-warmup", "inverse-sqrt");

    /** One line per name for help text. */
    String HELP = "cosine: llm.c's warmup to the peak then cosine to lr/10; constant: the same warmup, then lr;"
            + " transformers' schedules (warmup step/W from 0): linear (to 0), hf-cosine (to 0),"
            + " cosine-with-restarts[:N] (N hard restarts, default 1), constant-with-warmup,"
            + " inverse-sqrt[:TIMESCALE] (default: the warmup, or 10000)";

    /** The learning rate for the update that follows {@code step} completed updates. */
    float lr(int step);

    static LrSchedule constant(float lr, int warmup) {
        check(lr, warmup);
        return step -> step < warmup ? lr * (step + 1) / warmup : lr;
    }

    static LrSchedule cosine(float lr, int warmup, int totalSteps, float minFraction) {
        check(lr, warmup);
        checkTotal(totalSteps);
        if (!(minFraction >= 0 && minFraction <= 1))
            throw new IllegalArgumentException("min lr fraction must lie in [0, 1], got " + minFraction);
        float minLr = lr * minFraction;
        return step -> {
            if (step < warmup) return lr * (step + 1) / warmup;
            double ratio = Math.min(1.0, (double) (step - warmup) / Math.max(1, totalSteps - warmup)); // 0..1
            double coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));                        // 1 .. 0
            return (float) (minLr + coeff * (lr - minLr));
        };
    }

    /** transformers' warmup factor: {@code step / max(1, warmup)} while step &lt; warmup. */
    private static double hfWarmup(int step, int warmup) { return (double) step / Math.max(1, warmup); }

    /** {@code get_linear_schedule_with_warmup}. */
    static LrSchedule linear(float lr, int warmup, int totalSteps) {
        check(lr, warmup);
        checkTotal(totalSteps);
        return step -> (float) (lr * (step < warmup ? hfWarmup(step, warmup)
                : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmup))));
    }

    /** {@code get_cosine_schedule_with_warmup} with {@code num_cycles} (0.5: one half cosine down to 0). */
    static LrSchedule hfCosine(float lr, int warmup, int totalSteps, double numCycles) {
        check(lr, warmup);
        checkTotal(totalSteps);
        return step -> {
            if (step < warmup) return (float) (lr * hfWarmup(step, warmup));
            double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
            return (float) (lr * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress))));
        };
    }

    /** {@code get_cosine_with_hard_restarts_schedule_with_warmup}: {@code numCycles} cosines, each from lr to 0. */
    static LrSchedule cosineWithRestarts(float lr, int warmup, int totalSteps, int numCycles) {
        check(lr, warmup);
        checkTotal(totalSteps);
        if (numCycles < 1) throw new IllegalArgumentException("cycles must be >= 1, got " + numCycles);
        return step -> {
            if (step < warmup) return (float) (lr * hfWarmup(step, warmup));
            double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
            if (progress >= 1.0) return 0f;
            double phase = ((double) numCycles * progress) % 1.0;   // Python's % on non-negative floats
            return (float) (lr * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * phase))));
        };
    }

    /** {@code get_constant_schedule_with_warmup}. */
    static LrSchedule constantWithWarmup(float lr, int warmup) {
        check(lr, warmup);
        return step -> (float) (lr * (step < warmup ? (double) step / Math.max(1.0, warmup) : 1.0));
    }

    /** {@code get_inverse_sqrt_schedule}; {@code timescale} 0 takes transformers' default (warmup, or 10000). */
    static LrSchedule inverseSqrt(float lr, int warmup, int timescale) {
        check(lr, warmup);
        if (timescale < 0) throw new IllegalArgumentException("timescale must be >= 0, got " + timescale);
        int ts = timescale > 0 ? timescale : warmup > 0 ? warmup : 10_000;
        int shift = ts - warmup;
        return step -> (float) (lr * (step < warmup ? hfWarmup(step, warmup)
                : 1.0 / Math.sqrt((double) (step + shift) / ts)));
    }

    /**
     * By name (one of {@link #NAMES}); {@code cosine-with-restarts:N} and {@code inverse-sqrt:TIMESCALE} take their
     * parameter after a colon. An unknown name or a bad parameter is an error listing the known names.
     */
    static LrSchedule named(String spec, float lr, int warmup, int totalSteps) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        Integer arg = null;
        if (colon >= 0) {
            if (!name.equals("cosine-with-restarts") && !name.equals("inverse-sqrt"))
                throw new IllegalArgumentException("schedule '" + spec + "': only cosine-with-restarts and inverse-sqrt"
                        + " take a :N parameter");
            try {
                arg = Integer.parseInt(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("schedule '" + spec + "': '" + spec.substring(colon + 1)
                        + "' is not an integer");
            }
            if (arg < 1) throw new IllegalArgumentException("schedule '" + spec + "': the parameter must be >= 1");
        }
        return switch (name) {
            case "cosine" -> cosine(lr, warmup, totalSteps, DEFAULT_MIN_FRACTION);
            case "constant" -> constant(lr, warmup);
            case "linear" -> linear(lr, warmup, totalSteps);
            case "hf-cosine" -> hfCosine(lr, warmup, totalSteps, 0.5);
            case "cosine-with-restarts" -> cosineWithRestarts(lr, warmup, totalSteps, arg == null ? 1 : arg);
            case "constant-with-warmup" -> constantWithWarmup(lr, warmup);
            case "inverse-sqrt" -> inverseSqrt(lr, warmup, arg == null ? 0 : arg);
            default -> throw new IllegalArgumentException("unknown schedule '" + spec + "' (known: "
                    + String.join(", ", NAMES) + ")");
        };
    }

    /** Checks that {@link #named} accepts {@code spec}; the message of the error names the spec. */
    static void validate(String spec) { named(spec, 1f, 0, 1); }

    private static void check(float lr, int warmup) {
        if (!(lr >= 0) || !Float.isFinite(lr)) throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
    }

    private static void checkTotal(int totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
    }
}
