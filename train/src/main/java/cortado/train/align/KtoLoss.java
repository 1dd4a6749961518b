package cortado.train.align;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * KTO (Ethayarajh et al. 2024, eq. 7) as TRL 1.13's KTOTrainer._compute_loss computes it, on unpaired completions
 * each labelled desirable or not: with r = log pi(y|x) - log ref(y|x) and the batch KL estimate
 * z = max(0, mean(log pi(y'|x) - log ref(y'|x))) over mismatched (prompt, completion) rows y' (no gradient),
 * a desirable row costs w_d (1 - sigma(beta (r - z))) and an undesirable one w_u (1 - sigma(beta (z - r))); the
 * loss is the mean over rows. Metrics are TRL's: kl, rewards/chosen and logps/chosen (means over desirable rows),
 * rewards/rejected and logps/rejected (over undesirable ones), rewards/margins (when both kinds are present).
 */
public final class KtoLoss {
    /** TRL's beta, desirable_weight and undesirable_weight (defaults 0.1, 1, 1). */
    public record Config(float beta, float desirableWeight, float undesirableWeight) {
        public Config {
            if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
            if (!(desirableWeight >= 0 && undesirableWeight >= 0))
                throw new IllegalArgumentException("the KTO weights must be >= 0");
        }
    }

    private KtoLoss() {}

    /**
     * @param policy    [M] completion log-probs under the policy (differentiable)
     * @param ref       [M] under the reference
     * @param desirable per row
     * @param klPolicy  the mismatched rows' log-probs under the policy (computed without gradients)
     * @param klRef     the same under the reference
     */
    public static DpoLoss.Result compute(Config c, Tensor policy, float[] ref, boolean[] desirable, float[] klPolicy,
                                         float[] klRef) {
        int m = policy.size(0);
        if (ref.length != m || desirable.length != m || klPolicy.length != klRef.length || klPolicy.length == 0)
            throw new IllegalArgumentException("expected " + m + " reference log-probs and labels, and KL rows");
        double klSum = 0;
        for (int i = 0; i < klPolicy.length; i++) klSum += klPolicy[i] - klRef[i];
        float kl = (float) Math.max(0, klSum / klPolicy.length);
        // z_i = s_i beta (r_i - kl), s = +1 desirable, -1 undesirable; row loss w_i (1 - sigma(z_i))
        float[] sign = new float[m], weight = new float[m];
        for (int i = 0; i < m; i++) {
            sign[i] = desirable[i] ? c.beta() : -c.beta();
            weight[i] = desirable[i] ? c.desirableWeight() : c.undesirableWeight();
        }
        Tensor ratios = F.sub(policy, policy.backend().fromArray(ref.clone(), m));
        Tensor z = F.mul(F.addScalar(ratios, -kl), policy.backend().fromArray(sign, m));
        Tensor perRow = F.mul(F.addScalar(F.neg(F.sigmoid(z)), 1f), policy.backend().fromArray(weight, m));
        Tensor loss = F.mean(perRow);

        float[] p = policy.toArray();
        double rc = 0, lc = 0, rr = 0, lr = 0;
        int nc = 0, nr = 0;
        for (int i = 0; i < m; i++) {
            double reward = (double) c.beta() * (p[i] - ref[i]);
            if (desirable[i]) { rc += reward; lc += p[i]; nc++; } else { rr += reward; lr += p[i]; nr++; }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("kl", (double) kl);
        if (nc > 0) { metrics.put("rewards/chosen", rc / nc); metrics.put("logps/chosen", lc / nc); }
        if (nr > 0) { metrics.put("rewards/rejected", rr / nr); metrics.put("logps/rejected", lr / nr); }
        if (nc > 0 && nr > 0) metrics.put("rewards/margins", rc / nc - rr / nr);
        return new DpoLoss.Result(loss, metrics);
    }
}
