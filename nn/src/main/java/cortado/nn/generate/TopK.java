package cortado.nn.generate;

import java.util.Arrays;

/**
 * Keeps the k highest scores, as transformers' {@code TopKLogitsWarper}: every score below the k-th largest becomes
 * -infinity, so ties with the k-th are all kept; k is raised to {@code minTokensToKeep}.
 */
public record TopK(int k, int minTokensToKeep) implements LogitsProcessor {
    public TopK {
        if (k <= 0) throw new IllegalArgumentException("top-k must be a positive count, got " + k);
        if (minTokensToKeep < 1) throw new IllegalArgumentException("min tokens to keep must be >= 1, got " + minTokensToKeep);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        int keep = Math.min(Math.max(k, minTokensToKeep), scores.length);
        float[] sorted = scores.clone();
        Arrays.sort(sorted); // NaN sorts last, above +infinity, as torch.topk ranks it
        float threshold = sorted[sorted.length - keep];
        for (int i = 0; i < scores.length; i++) if (scores[i] < threshold) scores[i] = Float.NEGATIVE_INFINITY;
    }
}
