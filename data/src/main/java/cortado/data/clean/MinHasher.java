package cortado.data.clean;

import java.util.SplittableRandom;

/**
 * MinHash signatures. Permutation p maps a shingle hash x to the top 32 bits of a_p * x + b_p (mod 2^64) with a_p odd:
 * Dietzfelbinger's multiply-shift family, 2-independent enough for MinHash and two machine instructions per
 * (shingle, permutation), the pipeline's hottest loop. A signature slot holds the minimum over the shingles.
 */
public final class MinHasher {
    private final long[] a;
    private final long[] b;
    private final long[] mins;

    public MinHasher(int numPerm, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        a = new long[numPerm];
        b = new long[numPerm];
        for (int p = 0; p < numPerm; p++) {
            a[p] = rnd.nextLong() | 1;
            b[p] = rnd.nextLong();
        }
        mins = new long[numPerm];
    }

    public int numPerm() { return a.length; }

    /** The signature of the first {@code count} shingle hashes, as unsigned 32-bit values. */
    public int[] signature(long[] shingles, int count) {
        int np = a.length;
        java.util.Arrays.fill(mins, 0xFFFFFFFFL);
        long[] a = this.a, b = this.b, mins = this.mins;
        for (int s = 0; s < count; s++) {
            long x = shingles[s];
            for (int p = 0; p < np; p++) {
                long v = (a[p] * x + b[p]) >>> 32;
                if (v < mins[p]) mins[p] = v;
            }
        }
        int[] sig = new int[np];
        for (int p = 0; p < np; p++) sig[p] = (int) mins[p];
        return sig;
    }

    /** Fraction of equal slots: an unbiased estimate of the Jaccard similarity of the two shingle sets. */
    public static double estimate(int[] s1, int[] s2) {
        int eq = 0;
        for (int i = 0; i < s1.length; i++) if (s1[i] == s2[i]) eq++;
        return (double) eq / s1.length;
    }
}
