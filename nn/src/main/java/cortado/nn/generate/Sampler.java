package cortado.nn.generate;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence: the {@link SamplingParams#processors() processors} turn the logits into scores,
 * then greedy decoding takes the first largest score and sampling draws from their softmax with a seeded generator, so
 * a seed fixes the whole generation. One sampler per sequence: its generator advances with every draw.
 */
public final class Sampler {
    private final SamplingParams params;
    private final List<LogitsProcessor> processors;
    private final SplittableRandom rng;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.processors = params.processors();
        this.rng = new SplittableRandom(params.seed());
    }

    /** Temperature, top-k, top-p and seed only (see {@link SamplingParams}). */
    public Sampler(float temperature, int topK, float topP, long seed) {
        this(SamplingParams.of(temperature, topK, topP, seed));
    }

    public static Sampler greedy() { return new Sampler(SamplingParams.greedy()); }

    /**
     * The next token after {@code ids[0 .. length)} (the first {@code promptLength} the prompt) from {@code logits} (left
     * unchanged).
     */
    public int sample(float[] logits, int[] ids, int promptLength, int length) {
        if (logits.length == 0) throw new IllegalArgumentException("no logits to sample from");
        logits = logits.clone();
        for (LogitsProcessor p : processors) p.process(logits, ids, promptLength, length);
        if (params.isGreedy()) return argmax(logits, 0, logits.length);
        float[] probs = Softmax.probabilities(logits);
        double sum = 0;
        for (float q : probs) sum += q;
        if (!(sum > 0)) return argmax(logits, 0, logits.length); // every token removed or NaN: nothing to draw from
        double u = rng.nextDouble() * sum, acc = 0;
        int last = 0;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] == 0) continue;
            acc += probs[i];
            last = i;
            if (u < acc) return i;
        }
        return last;
    }

    /** The next token from {@code logits} when there is no history (the penalties see none). */
    public int sample(float[] logits) { return sample(logits, new int[0], 0, 0); }

    /** The first index of the largest value (NaN never wins). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (x[off + i] > bv) { bv = x[off + i]; best = i; }
        return best;
    }

    public SamplingParams params() { return params; }
}
