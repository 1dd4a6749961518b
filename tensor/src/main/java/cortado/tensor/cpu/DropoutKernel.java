package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inverted dropout (Srivastava et al. 2014, scaled at training time as torch.nn.Dropout): y_i = x_i / (1 - p) where
 * element i is kept, 0 where dropped. Whether element i (its row-major index) is kept is a pure function of
 * (key, i) — a counter-based generator in the manner of Salmon et al. 2011 (Philox), here two rounds of the
 * "lowbias32" integer hash (Wellons) — so no mask is stored, the backward is the same call on the gradient, and the
 * result does not depend on the thread count or on where a chunk starts (vector body and scalar tail compute the
 * same integers).
 */
final class DropoutKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int GRAIN = 1 << 14;
    private static final int[] IOTA = new int[L];

    static {
        if (I.length() != L) throw new IllegalStateException("int and float vectors differ in lanes");
        for (int i = 0; i < L; i++) IOTA[i] = i;
    }

    private DropoutKernel() {}

    /** The uniform 24-bit value of element i under {@code key}: element i is kept when it is >= the threshold. */
    static int uniform24(long key, int i) {
        int lo = (int) key, hi = (int) (key >>> 32);
        return mix(lo ^ mix(i + hi)) >>> 8;
    }

    /** lowbias32: x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16. */
    private static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        return x ^ (x >>> 16);
    }

    private static IntVector mix(IntVector x) {
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(0x7feb352d);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15));
        x = x.mul(0x846ca68b);
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
    }

    /** Elements kept with probability 1 - p; p is resolved to a multiple of 2^-24. */
    static int threshold(float p) { return (int) Math.round((double) p * (1 << 24)); }

    static Tensor forward(Tensor x, float p, long key) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        Tensor c = x.contiguous();
        Tensor out = Tensor.empty(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        int threshold = threshold(p);
        float scale = 1f / (1f - p);
        int lo = (int) key, hi = (int) (key >>> 32);
        IntVector iota = IntVector.fromArray(I, IOTA, 0);
        FloatVector zero = FloatVector.zero(S);
        Chunks.elements(out.numel(), GRAIN, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                IntVector u = mix(mix(iota.add(i + hi)).lanewise(VectorOperators.XOR, lo))
                        .lanewise(VectorOperators.LSHR, 8);
                VectorMask<Float> keep = u.compare(VectorOperators.GE, threshold).cast(S);
                FloatVector v = FloatVector.fromArray(S, a, ao + i).mul(scale);
                zero.blend(v, keep).intoArray(y, i);
            }
            for (; i < to; i++) y[i] = (mix(lo ^ mix(i + hi)) >>> 8) >= threshold ? a[ao + i] * scale : 0f;
        });
        return out;
    }
}
