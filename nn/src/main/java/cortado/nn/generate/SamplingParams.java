package cortado.nn.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the next token is chosen. Temperature 0 is greedy (argmax); logit bias and the penalties apply in greedy
 * decoding too, the filters (temperature, top-k, top-p, min-p) only when sampling, as in transformers' {@code generate}.
 *
 * @param temperature       0 for greedy, otherwise &gt; 0
 * @param topK              0 for no top-k filter
 * @param topP              1 for no nucleus filter, otherwise in (0, 1)
 * @param minP              0 for no min-p filter, otherwise in (0, 1]
 * @param repetitionPenalty 1 for none (transformers' {@code repetition_penalty})
 * @param frequencyPenalty  0 for none (OpenAI's {@code frequency_penalty})
 * @param presencePenalty   0 for none (OpenAI's {@code presence_penalty})
 * @param logitBias         token id to bias added to its logit (OpenAI's {@code logit_bias})
 * @param seed              seed of the draws
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float frequencyPenalty, float presencePenalty, Map<Integer, Float> logitBias, long seed) {
    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 turns it off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must lie in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must lie in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty))
            throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (!Float.isFinite(frequencyPenalty) || !Float.isFinite(presencePenalty))
            throw new IllegalArgumentException("frequency and presence penalties must be finite");
        logitBias = Map.copyOf(logitBias);
    }

    public static SamplingParams greedy() { return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, Map.of(), 0L); }

    /** Sampling at {@code temperature} with top-k and top-p, no penalties. */
    public static SamplingParams of(float temperature, int topK, float topP, long seed) {
        return new SamplingParams(temperature, topK, topP, 0f, 1f, 0f, 0f, Map.of(), seed);
    }

    public boolean isGreedy() { return temperature == 0; }

    /** The same settings drawing from {@code newSeed} (one seed per prompt, so a batch's rows draw independently). */
    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty,
                logitBias, newSeed);
    }

    /**
     * The processors in transformers' order ({@code GenerationMixin._get_logits_processor}): sequence bias, repetition
     * penalty, then (OpenAI's, which transformers lacks) frequency and presence, then, when sampling, temperature,
     * top-k, top-p, min-p.
     */
    public List<LogitsProcessor> processors() {
        List<LogitsProcessor> list = new ArrayList<>();
        if (!logitBias.isEmpty()) list.add(new LogitBias(logitBias));
        if (repetitionPenalty != 1f) list.add(new RepetitionPenalty(repetitionPenalty));
        if (frequencyPenalty != 0f || presencePenalty != 0f)
            list.add(new FrequencyPresencePenalty(frequencyPenalty, presencePenalty));
        if (isGreedy()) return list;
        if (temperature != 1f) list.add(new Temperature(temperature));
        if (topK > 0) list.add(new TopK(topK, 1));
        if (topP < 1f) list.add(new TopP(topP, 1));
        if (minP > 0f) list.add(new MinP(minP, 1));
        return list;
    }
}
