package cortado.train.rl;

/**
 * What PPO makes of one rollout before it trains on it, as TRL's last PPOTrainer (trl/experimental/ppo, the code
 * trl/trainer/ppo_trainer.py re-exported until it was removed) computes it in {@code train()}, steps 4 to 6. Arrays
 * are [R, C]: R responses of C tokens (a response's tokens after its stop token are padding).
 * <ul>
 *   <li>padding: positions past each response's last token ({@code sequence_length}) hold log-prob 1.0 (TRL's
 *       INVALID_LOGPROB) for the policy and the reference, so their KL is 0; values stay one position longer
 *       ({@code padding_mask_p1}) and are 0 beyond;</li>
 *   <li>per-token reward: -kl_coef * KL_t with the k1 estimator log pi - log ref, or k3 (r - 1) - log r with
 *       r = ref/pi (Schulman, "Approximating KL divergence"); the score of the whole response is added at the position
 *       after its last token (or at the last token when that is the end of the window);</li>
 *   <li>generalized advantage estimation (Schulman et al. 2016): delta_t = r_t + gamma V_{t+1} - V_t,
 *       A_t = delta_t + gamma lambda A_{t+1}, over all C positions; returns = A + V;</li>
 *   <li>advantages whitened over the response tokens (mean 0, unbiased variance 1, rsqrt(var + 1e-8)), 0 at padding.</li>
 * </ul>
 */
public final class PpoRollout {
    /** INVALID_LOGPROB in TRL: the log-prob written at padding positions. */
    public static final float INVALID_LOGPROB = 1.0f;

    public enum KlEstimator { K1, K3;
        public static KlEstimator parse(String s) {
            for (KlEstimator k : values()) if (k.name().equalsIgnoreCase(s)) return k;
            throw new IllegalArgumentException("unknown KL estimator '" + s + "' (k1, k3)");
        }
    }

    /** PPOConfig's kl_coef, kl_estimator, gamma, lam, whiten_rewards. */
    public record Config(float klCoef, KlEstimator klEstimator, float gamma, float lam, boolean whitenRewards) {}

    /**
     * @param kl per-token KL estimate; @param nonScoreReward -kl_coef * kl; @param rewards with the score added;
     * @param logprobs, refLogprobs and values as masked; @param mask 1 at response tokens ({@code ~padding_mask});
     * @param maskP1 1 where values count ({@code ~padding_mask_p1})
     */
    public record Result(float[] kl, float[] nonScoreReward, float[] rewards, float[] advantages, float[] returns,
                         float[] logprobs, float[] refLogprobs, float[] values, float[] mask, float[] maskP1) {}

    private PpoRollout() {}

    /**
     * @param sequenceLengths each response's last token index (TRL: the first padding position minus one)
     * @param scores the reward model's score of each response (a missing-EOS penalty already subtracted)
     */
    public static Result compute(Config c, float[] logprobs, float[] refLogprobs, float[] values, float[] scores,
                                 int[] sequenceLengths, int rows, int length) {
        int n = rows * length;
        if (logprobs.length != n || refLogprobs.length != n || values.length != n || scores.length != rows
                || sequenceLengths.length != rows)
            throw new IllegalArgumentException("rollout arrays do not match " + rows + " x " + length);
        float[] lp = logprobs.clone(), ref = refLogprobs.clone(), v = values.clone();
        float[] mask = new float[n], maskP1 = new float[n];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < length; t++) {
                int i = r * length + t;
                if (t > sequenceLengths[r]) { lp[i] = INVALID_LOGPROB; ref[i] = INVALID_LOGPROB; } else mask[i] = 1;
                if (t > sequenceLengths[r] + 1) v[i] = 0; else maskP1[i] = 1;
            }
        float[] kl = new float[n], nonScore = new float[n], rewards = new float[n];
        for (int i = 0; i < n; i++) {
            float logr = ref[i] - lp[i];
            kl[i] = c.klEstimator() == KlEstimator.K1 ? -logr : (float) (Math.exp(logr) - 1) - logr;
            nonScore[i] = -c.klCoef() * kl[i];
            rewards[i] = nonScore[i];
        }
        for (int r = 0; r < rows; r++) {
            int end = sequenceLengths[r] + 1 < length ? sequenceLengths[r] + 1 : sequenceLengths[r];
            rewards[r * length + end] += scores[r];
        }
        if (c.whitenRewards()) {
            float[] w = whiten(rewards, maskP1, false);
            for (int i = 0; i < n; i++) rewards[i] = maskP1[i] == 0 ? 0 : w[i];
        }
        float[] adv = new float[n], returns = new float[n];
        for (int r = 0; r < rows; r++) {
            float last = 0;
            for (int t = length - 1; t >= 0; t--) {
                int i = r * length + t;
                float next = t < length - 1 ? v[i + 1] : 0f;
                float delta = rewards[i] + c.gamma() * next - v[i];
                last = delta + c.gamma() * c.lam() * last;
                adv[i] = last;
            }
        }
        for (int i = 0; i < n; i++) returns[i] = adv[i] + v[i];
        float[] white = whiten(adv, mask, true);
        for (int i = 0; i < n; i++) white[i] = mask[i] == 0 ? 0 : white[i];
        return new Result(kl, nonScore, rewards, white, returns, lp, ref, v, mask, maskP1);
    }

    /**
     * Each response's last token index, TRL's {@code first_true_indices(truncate_response(...) == pad) - 1}: the first
     * stop token's index (what follows it is padded), else the index before the first padding, else the last.
     *
     * @param stop the stop token (TRL's stop_token_id), or -1 for none
     */
    public static int[] sequenceLengths(int[] responses, int rows, int length, int stop, int pad) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int end = length - 1;
            for (int t = 0; t < length; t++) {
                int id = responses[r * length + t];
                if (id == stop) { end = t; break; }
                if (id == pad) { end = t - 1; break; }
            }
            out[r] = end;
        }
        return out;
    }

    /**
     * TRL's {@code missing_eos_penalty}: subtracted from the score of each response without the end-of-sequence token
     * (after truncation at the stop token). A new array.
     */
    public static float[] penalizeMissingEos(float[] scores, boolean[] containsEos, float penalty) {
        float[] out = scores.clone();
        for (int r = 0; r < out.length; r++) if (!containsEos[r]) out[r] -= penalty;
        return out;
    }

    /** TRL's masked_whiten: (x - mean) * rsqrt(var + 1e-8), the unbiased masked variance; the mean kept unless shifted. */
    static float[] whiten(float[] x, float[] mask, boolean shiftMean) {
        double s = 0, k = 0;
        for (int i = 0; i < x.length; i++) { s += (double) x[i] * mask[i]; k += mask[i]; }
        if (k < 2) throw new IllegalArgumentException("whitening needs at least two response tokens, got " + (int) k);
        double mean = s / k, ss = 0;
        for (int i = 0; i < x.length; i++) ss += (x[i] - mean) * (x[i] - mean) * mask[i];
        double var = ss / k * (k / (k - 1));
        double inv = 1 / Math.sqrt(var + 1e-8);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) ((x[i] - mean) * inv + (shiftMean ? 0 : mean));
        return out;
    }
}
