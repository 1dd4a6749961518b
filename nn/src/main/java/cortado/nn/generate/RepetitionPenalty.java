package cortado.nn.generate;

/**
 * The CTRL repetition penalty (Keskar et al. 2019) as transformers' {@code RepetitionPenaltyLogitsProcessor}: every
 * token that occurs anywhere in the sequence so far (prompt included, counted once) has its score divided by the
 * penalty when positive and multiplied by it when negative.
 */
public record RepetitionPenalty(float penalty) implements LogitsProcessor {
    public RepetitionPenalty {
        if (!(penalty > 0) || Float.isInfinite(penalty))
            throw new IllegalArgumentException("repetition penalty must be > 0, got " + penalty);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        boolean[] seen = new boolean[scores.length];
        for (int i = 0; i < length; i++) {
            int t = ids[i];
            if (t < 0 || t >= scores.length || seen[t]) continue; // ids beyond the head's vocabulary cannot be picked
            seen[t] = true;
            float s = scores[t];
            scores[t] = s < 0 ? s * penalty : s / penalty;
        }
    }
}
