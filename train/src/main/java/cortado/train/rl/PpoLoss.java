package cortado.train.rl;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PPO's loss on a (micro-)batch of a rollout, as TRL's last PPOTrainer computes it in its PPO epochs (Schulman et al.
 * 2017, eq. 7 and 9): with r_t = exp(log pi_t - log pi_old_t) and A_t the whitened advantages ({@link PpoRollout}),
 * <pre>
 *   pg_loss = masked_mean(max(-A r, -A clip(r, 1 - cliprange, 1 + cliprange)))                  over response tokens
 *   vf_loss = 0.5 masked_mean(max((V - R)^2, (clip(V, V_old - c_v, V_old + c_v) - R)^2))      over value positions
 *   loss    = pg_loss + vf_coef * vf_loss
 * </pre>
 * R the returns. Any layout works (the arrays flat, the masks marking where response tokens and values sit).
 * Metrics are TRL's per micro-batch: loss/policy, loss/value, policy/clipfrac, val/clipfrac, policy/approxkl
 * (0.5 mean of the squared log-ratio over the R x C response window, padding counting 0), val/ratio (mean ratio over
 * the same window, padding counting 1).
 */
public final class PpoLoss {
    /** PPOConfig's cliprange, cliprange_value, vf_coef. */
    public record Config(float cliprange, float cliprangeValue, float vfCoef) {}

    public record Result(Tensor loss, Map<String, Double> metrics) {}

    private PpoLoss() {}

    /**
     * @param logps   the policy's per-token log-probs (differentiable; any value at masked positions)
     * @param values  the value model's per-position predictions (differentiable)
     * @param mask    1 at response tokens; @param maskP1 1 where values count
     * @param window  R x C, the response window TRL's unmasked means run over
     */
    public static Result compute(Config c, Tensor logps, Tensor values, float[] oldLogps, float[] oldValues,
                                 float[] returns, float[] advantages, float[] mask, float[] maskP1, int window) {
        int n = logps.numel();
        float[] lo = new float[n], hi = new float[n];
        for (int i = 0; i < n; i++) {
            lo[i] = oldValues[i] - c.cliprangeValue();
            hi[i] = oldValues[i] + c.cliprangeValue();
        }
        Tensor m = Piecewise.constant(logps, mask), m1 = Piecewise.constant(values, maskP1);
        Tensor vpred = F.mul(values, m1);   // masked_fill(padding_mask_p1, 0)
        Tensor ret = Piecewise.constant(values, returns);
        Tensor vClipped = Piecewise.clamp(vpred, lo, hi);
        Tensor vf1 = square(F.sub(vpred, ret)), vf2 = square(F.sub(vClipped, ret));
        Tensor vfLoss = F.scale(maskedMean(Piecewise.maximum(vf1, vf2), m1, maskP1), 0.5f);
        // at padding TRL writes INVALID_LOGPROB on both sides: the log-ratio there is 0
        Tensor diff = F.mul(F.sub(logps, Piecewise.constant(logps, oldLogps)), m);
        Tensor ratio = F.exp(diff);
        Tensor a = Piecewise.constant(logps, advantages);
        Tensor pg1 = F.neg(F.mul(a, ratio));
        Tensor pg2 = F.neg(F.mul(a, Piecewise.clamp(ratio, 1 - c.cliprange(), 1 + c.cliprange())));
        Tensor pgLoss = maskedMean(Piecewise.maximum(pg1, pg2), m, mask);
        Tensor loss = F.add(pgLoss, F.scale(vfLoss, c.vfCoef()));

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss/policy", (double) pgLoss.item());
        metrics.put("loss/value", (double) vfLoss.item());
        metrics.put("policy/clipfrac", fractionAbove(pg2.toArray(), pg1.toArray(), mask));
        metrics.put("val/clipfrac", fractionAbove(vf2.toArray(), vf1.toArray(), maskP1));
        float[] d = diff.toArray(), r = ratio.toArray();
        double sq = 0, rs = 0, k = 0;
        for (int i = 0; i < n; i++) {
            sq += (double) d[i] * d[i];
            if (mask[i] != 0) { rs += r[i]; k++; }
        }
        metrics.put("policy/approxkl", 0.5 * sq / window);
        metrics.put("val/ratio", (rs + (window - k)) / window);
        return new Result(loss, metrics);
    }

    private static Tensor square(Tensor x) { return F.mul(x, x); }

    /** TRL's masked_mean: sum(x * mask) / sum(mask). */
    private static Tensor maskedMean(Tensor x, Tensor m, float[] mask) {
        double k = 0;
        for (float v : mask) k += v;
        return F.scale(F.sum(F.mul(x, m)), (float) (1 / k));
    }

    private static double fractionAbove(float[] a, float[] b, float[] mask) {
        double s = 0, k = 0;
        for (int i = 0; i < a.length; i++) { if (a[i] > b[i]) s += mask[i]; k += mask[i]; }
        return s / k;
    }
}
