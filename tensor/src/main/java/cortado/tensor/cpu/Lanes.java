package cortado.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in one fixed order. {@code reduceLanes(ADD)} leaves the order unspecified, and HotSpot
 * uses it: the Java fallback (interpreter and C1) adds lanes left to right while C2's intrinsic adds in a tree, so the
 * same call gave different bits before and after the JIT compiled it, and two identical training runs drifted apart
 * at whatever step compilation happened to finish. Rotate-and-add uses only lanewise adds and permutes, which are
 * exact in every tier, so every tier computes the same tree: lane 0 ends as ((x0 + x8) + (x4 + x12)) + ... .
 */
public final class Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    // lane i -> lane (i + h) mod L
    private static final VectorShuffle<Float> BY8 = VectorShuffle.iota(S, 8, 1, true);
    private static final VectorShuffle<Float> BY4 = VectorShuffle.iota(S, 4, 1, true);
    private static final VectorShuffle<Float> BY2 = VectorShuffle.iota(S, 2, 1, true);
    private static final VectorShuffle<Float> BY1 = VectorShuffle.iota(S, 1, 1, true);

    private Lanes() {}

    /** The sum of the lanes of {@code v} (a vector of {@link FloatVector#SPECIES_PREFERRED}), in a fixed order. */
    public static float sum(FloatVector v) {
        if (L > 16) {
            float s = 0f;   // wider than any SIMD unit today: plain left-to-right order, the same in every tier
            for (int i = 0; i < L; i++) s += v.lane(i);
            return s;
        }
        if (L == 16) v = v.add(v.rearrange(BY8));
        if (L >= 8) v = v.add(v.rearrange(BY4));
        if (L >= 4) v = v.add(v.rearrange(BY2));
        if (L >= 2) v = v.add(v.rearrange(BY1));
        return v.lane(0);
    }

    /**
     * {@link #sum(FloatVector)} of the L lanes stored at {@code a[off ..]}, the same tree in scalar adds, so it gives
     * the same bits; it overwrites those lanes. For kernels that reduce several accumulators at the end of a long
     * method: there a call taking a vector may not be inlined (C2's node budget), and an un-inlined vector argument
     * is boxed, an allocation per call (GPT-2's NF4 matvecs made 7 MB of garbage a token so); {@code intoArray} and
     * this never box.
     */
    public static float sumInPlace(float[] a, int off) {
        if (L > 16) {
            float s = 0f;
            for (int i = 0; i < L; i++) s += a[off + i];
            return s;
        }
        // Rotate-and-add, as sum(FloatVector): the lanes i < h after adding lane i + h are all a later step reads.
        for (int h = L / 2; h >= 1; h /= 2)
            for (int i = 0; i < h; i++) a[off + i] += a[off + i + h];
        return a[off];
    }

    /**
     * The four accumulators of a four-row kernel, stored at {@code a[0 ..]}, {@code a[L ..]}, {@code a[2L ..]} and
     * {@code a[3L ..]}: their {@link #sumInPlace} sums into {@code y[i0]}, {@code y[i1]}, {@code y[i2]}, {@code y[i3]}.
     */
    public static void sumFourInPlace(float[] a, float[] y, int i0, int i1, int i2, int i3) {
        y[i0] = sumInPlace(a, 0);
        y[i1] = sumInPlace(a, L);
        y[i2] = sumInPlace(a, 2 * L);
        y[i3] = sumInPlace(a, 3 * L);
    }
}
