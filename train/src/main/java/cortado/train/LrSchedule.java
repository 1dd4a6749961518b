package cortado.train;

/**
 * Learning rate as a function of the optimizer step (0-based: the rate used for update number {@code step + 1}).
 *
 * <ul>
 *   <li>{@link #cosine}: linear warmup {@code lr * (step+1) / warmup} for the first {@code warmup} steps (so the first
 *   update is not taken at rate 0), then a half cosine from {@code lr} towards {@code minLr = minFraction * lr}:
 *   {@code minLr + 0.5 (1 + cos(pi (step-warmup)/(total-warmup))) (lr - minLr)} (Loshchilov &amp; Hutter, SGDR), the
 *   same formula as llm.c's train_gpt2. nanoGPT and the Chinchilla recipe end at one tenth of the peak, which is
 *   {@link #DEFAULT_MIN_FRACTION}.</li>
 *   <li>{@link #constant}: the same warmup, then {@code lr}.</li>
 * </ul>
 */
@FunctionalInterface
public interface LrSchedule {
    float DEFAULT_MIN_FRACTION = 0.1f;

    /** The learning rate for the update that follows {@code step} completed updates. */
    float lr(int step);

    static LrSchedule constant(float lr, int warmup) {
        check(lr, warmup);
        return step -> step < warmup ? lr * (step + 1) / warmup : lr;
    }

    static LrSchedule cosine(float lr, int warmup, int totalSteps, float minFraction) {
        check(lr, warmup);
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
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

    /** By name: "cosine" or "constant". */
    static LrSchedule named(String name, float lr, int warmup, int totalSteps) {
        return switch (name) {
            case "cosine" -> cosine(lr, warmup, totalSteps, DEFAULT_MIN_FRACTION);
            case "constant" -> constant(lr, warmup);
            default -> throw new IllegalArgumentException("unknown schedule '" + name + "' (cosine or constant)");
        };
    }

    private static void check(float lr, int warmup) {
        if (!(lr >= 0) || !Float.isFinite(lr)) throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
    }
}
