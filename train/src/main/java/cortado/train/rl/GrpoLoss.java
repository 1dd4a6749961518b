package cortado.train.rl;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GRPO's per-token clipped surrogate with an optional KL penalty, as TRL 1.13's {@code GRPOTrainer._compute_loss}
 * (token-level importance sampling): with r_t = exp(log pi(o_t) - log pi_old(o_t)) and A the completion's group
 * advantage ({@link GroupAdvantages}),
 * <pre>
 *   l_t = -min(r_t A, clip(r_t, 1 - eps_low, 1 + eps_high) A) + beta * (exp(ref_t - logp_t) - (ref_t - logp_t) - 1)
 * </pre>
 * the KL term being Schulman's k3 estimator of KL(pi || ref) (Shao et al. 2024, eq. 4), present when beta > 0, and
 * multiplied by r_t when bias-corrected (TRL's default {@code use_bias_correction_kl}: the unbiased reverse-KL
 * gradient of DeepSeek-V3.2; the ratio is differentiable, so this changes the gradient even on-policy). The
 * token losses l_t (over completion tokens) reduce by the loss type:
 * <ul>
 *   <li>grpo: each completion's mean, then the mean over completions (the paper's 1/|o_i| normalization);</li>
 *   <li>bnpo: the mean over all completion tokens of the batch;</li>
 *   <li>dr_grpo: the sum over tokens divided by completions x max_completion_length (Liu et al. 2025);</li>
 *   <li>dapo: the sum over tokens divided by the tokens of the whole generation batch (Yu et al. 2025; TRL's
 *       default, and bnpo's value when the batch is one micro-batch).</li>
 * </ul>
 * Metrics are TRL's: kl (when beta > 0), clip_ratio/low_mean, clip_ratio/high_mean, clip_ratio/region_mean
 * (token means).
 */
public final class GrpoLoss {
    public enum Type { GRPO, BNPO, DR_GRPO, DAPO;
        public static Type parse(String s) {
            for (Type t : values()) if (t.name().equalsIgnoreCase(s)) return t;
            throw new IllegalArgumentException("unknown GRPO loss '" + s + "' (grpo, bnpo, dr_grpo, dapo)");
        }
        public String id() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * TRL's GRPOConfig fields: loss_type, beta, epsilon (the low side), epsilon_high (TRL: epsilon when unset),
     * max_completion_length (dr_grpo's constant), use_bias_correction_kl.
     */
    public record Config(Type type, float beta, float epsilonLow, float epsilonHigh, int maxCompletionLength,
                         boolean biasCorrectedKl) {
        public Config {
            if (!(beta >= 0)) throw new IllegalArgumentException("beta must be >= 0, got " + beta);
            if (!(epsilonLow >= 0 && epsilonLow < 1)) throw new IllegalArgumentException("epsilon must lie in [0, 1), got " + epsilonLow);
            if (!(epsilonHigh >= 0)) throw new IllegalArgumentException("epsilon_high must be >= 0, got " + epsilonHigh);
            if (maxCompletionLength < 1) throw new IllegalArgumentException("max completion length must be >= 1");
        }
    }

    public record Result(Tensor loss, Map<String, Double> metrics) {}

    private GrpoLoss() {}

    /**
     * @param logps      per-token log-probs of the policy [R, S] (differentiable), at the positions {@code mask} marks
     * @param old        the sampling policy's per-token log-probs, same layout; null: on-policy (TRL's detached logps,
     *                   num_iterations = 1)
     * @param ref        the reference's per-token log-probs (needed when beta > 0), same layout
     * @param advantages one per row
     * @param mask       1 at the completion tokens, same layout
     * @param batchTokens dapo's normalizer: completion tokens in the whole generation batch
     */
    public static Result compute(Config c, Tensor logps, float[] old, float[] ref, float[] advantages, float[] mask,
                                 double batchTokens) {
        int rows = logps.size(0), seq = logps.size(1), n = rows * seq;
        if (advantages.length != rows || mask.length != n || (old != null && old.length != n))
            throw new IllegalArgumentException("shapes: " + rows + "x" + seq + " logps, " + advantages.length
                    + " advantages, " + mask.length + " mask");
        if (c.beta() > 0 && (ref == null || ref.length != n))
            throw new IllegalArgumentException("beta > 0 needs the reference's per-token log-probs");
        float[] oldLogps = old != null ? old : logps.toArray();
        float[] adv = new float[n];
        for (int i = 0; i < n; i++) adv[i] = advantages[i / seq];
        Tensor a = Piecewise.constant(logps, adv), m = Piecewise.constant(logps, mask);
        Tensor ratio = F.exp(F.sub(logps, Piecewise.constant(logps, oldLogps)));
        Tensor clipped = Piecewise.clamp(ratio, 1 - c.epsilonLow(), 1 + c.epsilonHigh());
        Tensor perToken = F.neg(Piecewise.minimum(F.mul(ratio, a), F.mul(clipped, a)));
        Map<String, Double> metrics = new LinkedHashMap<>();
        float[] tokens = mask;
        double count = 0;
        for (float x : tokens) count += x;
        if (c.beta() > 0) {
            Tensor d = F.sub(Piecewise.constant(logps, ref), logps);   // log ref - log pi
            Tensor kl = F.addScalar(F.sub(F.exp(d), d), -1f);
            if (c.biasCorrectedKl()) kl = F.mul(kl, ratio);
            perToken = F.add(perToken, F.scale(kl, c.beta()));
            metrics.put("kl", maskedMean(kl.toArray(), mask));
        }
        Tensor masked = F.mul(perToken, m);
        Tensor loss = switch (c.type()) {
            case GRPO -> {
                float[] inv = new float[rows];
                for (int r = 0; r < rows; r++) {
                    double k = 0;
                    for (int t = 0; t < seq; t++) k += mask[r * seq + t];
                    inv[r] = (float) (1 / Math.max(1, k));
                }
                yield F.mean(F.mul(F.sum(masked, 1, false), logps.backend().fromArray(inv, rows)));
            }
            case BNPO -> F.scale(F.sum(masked), (float) (1 / Math.max(1, count)));
            case DR_GRPO -> F.scale(F.sum(masked), 1f / ((float) rows * c.maxCompletionLength()));
            case DAPO -> F.scale(F.sum(masked), (float) (1 / Math.max(1, batchTokens)));
        };
        float[] r = ratio.toArray();
        float[] low = new float[n], high = new float[n], region = new float[n];
        for (int i = 0; i < n; i++) {
            low[i] = r[i] < 1 - c.epsilonLow() && adv[i] < 0 ? 1 : 0;
            high[i] = r[i] > 1 + c.epsilonHigh() && adv[i] > 0 ? 1 : 0;
            region[i] = Math.max(low[i], high[i]);
        }
        metrics.put("clip_ratio/low_mean", maskedMean(low, mask));
        metrics.put("clip_ratio/high_mean", maskedMean(high, mask));
        metrics.put("clip_ratio/region_mean", maskedMean(region, mask));
        return new Result(loss, metrics);
    }

    /** sum(x * mask) / max(1, sum(mask)), TRL's global_masked_mean on one process. */
    static double maskedMean(float[] x, float[] mask) {
        double s = 0, k = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * mask[i];
            k += mask[i];
        }
        return s / Math.max(1, k);
    }
}
