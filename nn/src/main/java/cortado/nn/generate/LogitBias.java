package cortado.nn.generate;

import java.util.Map;

/**
 * Adds a fixed bias to chosen tokens' logits (OpenAI's {@code logit_bias}; transformers' {@code SequenceBiasLogitsProcessor}
 * with one-token sequences). A bias of -100 or less effectively bans a token, +100 all but forces it.
 */
public final class LogitBias implements LogitsProcessor {
    private final int[] tokens;
    private final float[] biases;

    public LogitBias(Map<Integer, Float> bias) {
        tokens = new int[bias.size()];
        biases = new float[bias.size()];
        int i = 0;
        for (var e : bias.entrySet()) {
            if (e.getKey() < 0) throw new IllegalArgumentException("logit bias for a negative token id " + e.getKey());
            if (!Float.isFinite(e.getValue()))
                throw new IllegalArgumentException("logit bias of token " + e.getKey() + " must be finite, got " + e.getValue());
            tokens[i] = e.getKey();
            biases[i++] = e.getValue();
        }
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] >= scores.length)
                throw new IllegalArgumentException("logit bias names token " + tokens[i] + ", outside the vocabulary [0, "
                        + scores.length + ")");
            scores[tokens[i]] += biases[i];
        }
    }
}
