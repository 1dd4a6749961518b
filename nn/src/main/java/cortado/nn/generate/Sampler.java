package cortado.nn.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits, as Hugging Face's sampling does, in its order: divide by the temperature,
 * keep the k most likely tokens (top-k), keep the smallest set of most likely tokens whose probability reaches p
 * (nucleus, Holtzman et al. 2019), renormalise and draw. Temperature 0 is greedy (argmax). Draws come from a seeded
 * generator, so a seed fixes the whole generation.
 */
public final class Sampler {
    private final float temperature;
    private final int topK;
    private final float topP;
    private final SplittableRandom rng;

    /**
     * @param temperature 0 for greedy, otherwise &gt; 0
     * @param topK        0 for no top-k filter
     * @param topP        1 for no nucleus filter, otherwise in (0, 1]
     */
    public Sampler(float temperature, int topK, float topP, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 turns it off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must lie in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.rng = new SplittableRandom(seed);
    }

    public static Sampler greedy() { return new Sampler(0f, 0, 1f, 0L); }

    /** The next token for {@code logits[off .. off+n)}. */
    public int sample(float[] logits, int off, int n) {
        if (n <= 0) throw new IllegalArgumentException("no logits to sample from");
        if (temperature == 0) return argmax(logits, off, n);
        // Candidates sorted by logit, most likely first: each packed as (order-preserving bits of the logit, index)
        // in one long, so a primitive sort orders them.
        long[] order = new long[n];
        for (int i = 0; i < n; i++) order[i] = ((long) sortableBits(logits[off + i]) << 32) | (n - 1 - i);
        Arrays.sort(order);
        int keep = topK > 0 ? Math.min(topK, n) : n;
        // Softmax over the candidates at temperature, from the largest logit down (stable: max subtracted).
        double[] p = new double[keep];
        double max = logitOf(logits, off, n, order[n - 1]), sum = 0;
        if (max == Double.NEGATIVE_INFINITY) return indexOf(order[n - 1], n); // every token masked out
        for (int j = 0; j < keep; j++) {
            p[j] = Math.exp((logitOf(logits, off, n, order[n - 1 - j]) - max) / temperature);
            sum += p[j];
        }
        if (topP < 1) {
            // Nucleus: the shortest prefix whose probability reaches topP (at least one token).
            double cum = 0;
            int cut = keep;
            for (int j = 0; j < keep; j++) {
                cum += p[j] / sum;
                if (cum >= topP) { cut = j + 1; break; }
            }
            keep = cut;
            sum = 0;
            for (int j = 0; j < keep; j++) sum += p[j];
        }
        double u = rng.nextDouble() * sum, acc = 0;
        for (int j = 0; j < keep; j++) {
            acc += p[j];
            if (u < acc) return indexOf(order[n - 1 - j], n);
        }
        return indexOf(order[n - 1 - (keep - 1)], n);
    }

    public int sample(float[] logits) { return sample(logits, 0, logits.length); }

    /** The first index of the largest value (NaN never wins). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (x[off + i] > bv) { bv = x[off + i]; best = i; }
        return best;
    }

    // The index is stored as n-1-i so that among equal logits the lower index sorts last, i.e. ranks first.
    private static int indexOf(long packed, int n) { return n - 1 - (int) (packed & 0xFFFFFFFFL); }

    private static float logitOf(float[] logits, int off, int n, long packed) { return logits[off + indexOf(packed, n)]; }

    /** Float bits remapped so that signed int order equals float order (NaN treated as -infinity). */
    private static int sortableBits(float f) {
        if (Float.isNaN(f)) f = Float.NEGATIVE_INFINITY;
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7FFFFFFF;
    }

    public float temperature() { return temperature; }

    public int topK() { return topK; }

    public float topP() { return topP; }
}
