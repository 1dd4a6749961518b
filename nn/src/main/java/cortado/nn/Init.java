package cortado.nn;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * Seeded parameter initialisation. Normal samples come from the Box-Muller transform over a
 * {@link SplittableRandom}; a tensor is filled in fixed chunks, each with its own generator derived from (seed, stream,
 * chunk), so the values do not depend on the number of threads and a run is reproducible from its seed.
 */
public final class Init {
    private static final int CHUNK = 1 << 16;

    private Init() {}

    /**
     * Fills {@code t} with samples of N(0, std^2), in row-major order; {@code stream} separates the tensors of a
     * model. The samples are drawn in host memory and stored through the tensor's backend.
     */
    public static void normal(Tensor t, float std, long seed, long stream) {
        t.backend().writeHost(t, (data, off, n) -> fillNormal(data, off, n, std, seed, stream));
    }

    private static void fillNormal(float[] data, int off, int n, float std, long seed, long stream) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        Parallel.forEach(chunks, c -> {
            SplittableRandom rng = new SplittableRandom(mix(seed, stream, c));
            int from = off + c * CHUNK, to = off + Math.min(n, (c + 1) * CHUNK);
            for (int i = from; i < to; i += 2) {
                // Box-Muller: two independent N(0,1) from two uniforms; 1 - u keeps the log argument in (0, 1].
                double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
                double r = std * Math.sqrt(-2.0 * Math.log(u1)), a = 2.0 * Math.PI * u2;
                data[i] = (float) (r * Math.cos(a));
                if (i + 1 < to) data[i + 1] = (float) (r * Math.sin(a));
            }
        });
    }

    /** Fills {@code t} with samples of U(-bound, bound) (torch's default for Linear, LSTM and friends), as {@link #normal}. */
    public static void uniform(Tensor t, float bound, long seed, long stream) {
        t.backend().writeHost(t, (data, off, n) -> {
            int chunks = (n + CHUNK - 1) / CHUNK;
            Parallel.forEach(chunks, c -> {
                SplittableRandom rng = new SplittableRandom(mix(seed, stream, c));
                int from = off + c * CHUNK, to = off + Math.min(n, (c + 1) * CHUNK);
                for (int i = from; i < to; i++) data[i] = (float) rng.nextDouble(-bound, bound);
            });
        });
    }

    /** Sets every element of {@code t} to {@code value}. */
    public static void constant(Tensor t, float value) { t.backend().fillInPlace(t, value); }

    /** SplitMix64 finaliser over the three inputs: well-spread, independent seeds per chunk. */
    static long mix(long seed, long stream, long chunk) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1) + 0xBF58476D1CE4E5B9L * (chunk + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
