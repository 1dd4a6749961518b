package cortado.nn.generate;

/**
 * Nucleus filtering (Holtzman et al. 2019) as transformers' {@code TopPLogitsWarper}: scores sorted ascending, their
 * softmax accumulated from the least likely up; tokens whose cumulative probability is {@code <= 1 - p} are removed,
 * except the {@code minTokensToKeep} most likely. What remains is the smallest set of most likely tokens whose
 * probability reaches p (ties ordered by index).
 */
public record TopP(float p, int minTokensToKeep) implements LogitsProcessor {
    public TopP {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("top-p must lie in [0, 1], got " + p);
        if (minTokensToKeep < 1) throw new IllegalArgumentException("min tokens to keep must be >= 1, got " + minTokensToKeep);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        int n = scores.length;
        int[] ascending = Softmax.ascendingOrder(scores);
        float[] probs = Softmax.probabilities(scores);
        float threshold = 1f - p; // float32, as torch computes 1 - top_p against float32 cumulative sums
        double cum = 0; // torch's CPU cumsum accumulates float32 in double
        int protectFrom = n - Math.min(minTokensToKeep, n);
        for (int j = 0; j < protectFrom; j++) {
            cum += probs[ascending[j]];
            if ((float) cum <= threshold) scores[ascending[j]] = Float.NEGATIVE_INFINITY;
            else break; // cumulative sums only grow
        }
    }
}
