package cortado.train.rl;

/**
 * GRPO's group-relative advantages as TRL 1.13's GRPOTrainer forms them (one reward function,
 * {@code multi_objective_aggregation="sum_then_normalize"}): each completion's reward minus the mean of its group of G
 * completions of the same prompt, divided by std + 1e-4 where the std (unbiased, torch's) is the group's
 * ({@code scale_rewards="group"}, TRL's default), the whole batch's ({@code "batch"}, PPO Lite) or not divided at all
 * ({@code "none"}, Dr. GRPO) (Shao et al. 2024, eq. 3).
 */
public final class GroupAdvantages {
    /** TRL's {@code scale_rewards}. */
    public enum Scale { GROUP, BATCH, NONE;
        public static Scale parse(String s) {
            for (Scale x : values()) if (x.name().equalsIgnoreCase(s)) return x;
            throw new IllegalArgumentException("unknown reward scaling '" + s + "' (group, batch, none)");
        }
    }

    private GroupAdvantages() {}

    /** @param rewards consecutive groups of {@code groupSize} completions of one prompt each */
    public static float[] compute(float[] rewards, int groupSize, Scale scale) {
        int n = rewards.length;
        if (groupSize < 1 || n % groupSize != 0)
            throw new IllegalArgumentException(n + " rewards do not split into groups of " + groupSize);
        float[] out = new float[n];
        double batchStd = scale == Scale.BATCH ? std(rewards, 0, n) : 0;
        for (int g = 0; g < n; g += groupSize) {
            double mean = 0;
            for (int i = g; i < g + groupSize; i++) mean += rewards[i];
            mean /= groupSize;
            double std = scale == Scale.GROUP ? std(rewards, g, g + groupSize) : batchStd;
            for (int i = g; i < g + groupSize; i++)
                out[i] = (float) (scale == Scale.NONE ? rewards[i] - mean : (rewards[i] - mean) / (std + 1e-4));
        }
        return out;
    }

    /** torch's std (Bessel-corrected); 0 for a single value, as TRL's guard for groups of one. */
    static double std(float[] x, int from, int to) {
        int n = to - from;
        if (n < 2) return 0;
        double mean = 0, ss = 0;
        for (int i = from; i < to; i++) mean += x[i];
        mean /= n;
        for (int i = from; i < to; i++) ss += (x[i] - mean) * (x[i] - mean);
        return Math.sqrt(ss / (n - 1));
    }
}
