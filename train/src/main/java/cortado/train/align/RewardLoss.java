package cortado.train.align;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pairwise reward-model loss of TRL 1.13's RewardTrainer.compute_loss (Bradley-Terry, as InstructGPT, Ouyang et
 * al. 2022, eq. 1): mean -log sigma(r_chosen - r_rejected - margin), the margin per pair when the data gives one
 * (Llama 2's margin loss, Touvron et al. 2023, eq. 2), plus {@code center} * mean((r_c + r_r)^2) when TRL's
 * center_rewards_coefficient is set (Eisenstein et al. 2023). Metrics are TRL's: min_reward, mean_reward,
 * max_reward (over all 2N rewards), accuracy (r_c > r_r) and margin (mean r_c - r_r).
 */
public final class RewardLoss {
    private RewardLoss() {}

    /**
     * @param rewards [2N] or [2N, 1]: N chosen then N rejected (TRL's chunk order)
     * @param margins per pair, or null for none
     * @param center  the centering coefficient, 0 for none
     */
    public static DpoLoss.Result compute(Tensor rewards, float[] margins, float center) {
        int n2 = rewards.size(0), n = n2 / 2;
        if (n2 % 2 != 0 || (margins != null && margins.length != n))
            throw new IllegalArgumentException("expected 2N chosen+rejected rewards and N margins");
        Tensor r = F.reshape(rewards, n2);
        Tensor chosen = F.slice(r, 0, 0, n), rejected = F.slice(r, 0, n, n2);
        Tensor diff = F.sub(chosen, rejected);
        if (margins != null) diff = F.sub(diff, r.backend().fromArray(margins.clone(), n));
        Tensor loss = F.neg(F.mean(DpoLoss.logSigmoid(diff)));
        if (center != 0) {
            Tensor sum = F.add(chosen, rejected);
            loss = F.add(loss, F.scale(F.mean(F.mul(sum, sum)), center));
        }
        float[] v = r.toArray();
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, mean = 0, acc = 0, margin = 0;
        for (float x : v) { min = Math.min(min, x); max = Math.max(max, x); mean += x; }
        for (int i = 0; i < n; i++) { if (v[i] > v[n + i]) acc++; margin += v[i] - v[n + i]; }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("min_reward", min);
        m.put("mean_reward", mean / n2);
        m.put("max_reward", max);
        m.put("accuracy", acc / n);
        m.put("margin", margin / n);
        return new DpoLoss.Result(loss, m);
    }
}
