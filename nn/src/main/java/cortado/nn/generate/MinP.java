package cortado.nn.generate;

/**
 * Min-p filtering (Nguyen et al. 2024) as transformers' {@code MinPLogitsWarper}: a token is removed when its
 * probability is below {@code minP} times the most likely token's; the {@code minTokensToKeep} most likely stay.
 */
public record MinP(float minP, int minTokensToKeep) implements LogitsProcessor {
    public MinP {
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must lie in [0, 1], got " + minP);
        if (minTokensToKeep < 1) throw new IllegalArgumentException("min tokens to keep must be >= 1, got " + minTokensToKeep);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        int n = scores.length;
        float[] probs = Softmax.probabilities(scores);
        float top = 0;
        for (float q : probs) top = Math.max(top, q);
        float cut = minP * top;
        int[] ascending = Softmax.ascendingOrder(scores);
        boolean[] protect = new boolean[n];
        for (int j = n - Math.min(minTokensToKeep, n); j < n; j++) protect[ascending[j]] = true;
        for (int i = 0; i < n; i++) if (probs[i] < cut && !protect[i]) scores[i] = Float.NEGATIVE_INFINITY;
    }
}
