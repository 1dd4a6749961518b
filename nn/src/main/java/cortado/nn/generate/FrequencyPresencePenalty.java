package cortado.nn.generate;

/**
 * OpenAI's frequency and presence penalties (API reference, "parameter details"):
 * {@code logits[j] -= c[j] * frequency + (c[j] > 0 ? presence : 0)}, where c[j] counts how often token j was sampled
 * before, i.e. among the generated tokens (the prompt does not count, as in OpenAI's description and vLLM).
 * transformers has no such processor.
 */
public record FrequencyPresencePenalty(float frequency, float presence) implements LogitsProcessor {
    public FrequencyPresencePenalty {
        if (!Float.isFinite(frequency) || !Float.isFinite(presence))
            throw new IllegalArgumentException("frequency and presence penalties must be finite, got " + frequency
                    + " and " + presence);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        int[] counts = new int[scores.length];
        for (int i = promptLength; i < length; i++) if (ids[i] >= 0 && ids[i] < scores.length) counts[ids[i]]++;
        for (int j = 0; j < scores.length; j++)
            if (counts[j] > 0) scores[j] -= counts[j] * frequency + presence;
    }
}
