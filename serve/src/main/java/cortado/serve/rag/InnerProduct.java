package cortado.serve.rag;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD kernels every index scores with: a float query against float rows, against int8 codes, and the squared
 * distance. Lanes accumulate separately and are summed at the end, so a result differs from the sequential sum in the
 * last bits; searches only compare scores, so that order does not matter here.
 */
final class InnerProduct {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes with as many lanes as F, so one B2F conversion fills one float vector. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));

    private InnerProduct() {}

    /** sum_i q[i] * x[xo + i] over q.length entries. */
    static float dot(float[] q, float[] x, int xo) {
        int n = q.length, i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (int bound = F.loopBound(n); i < bound; i += F.length())
            acc = FloatVector.fromArray(F, q, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += q[i] * x[xo + i];
        return s;
    }

    /** sum_i (q[i] - x[xo + i])^2 over q.length entries. */
    static float squaredDistance(float[] q, float[] x, int xo) {
        int n = q.length, i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector d = FloatVector.fromArray(F, q, i).sub(FloatVector.fromArray(F, x, xo + i));
            acc = d.fma(d, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = q[i] - x[xo + i];
            s += d * d;
        }
        return s;
    }

    /** sum_i q[i] * c[co + i] over q.length entries, the int8 codes widened to float lane by lane. */
    static float dot(float[] q, byte[] c, int co) {
        int n = q.length, i = 0;
        FloatVector acc = FloatVector.zero(F);
        int lanes = F.length();
        for (int bound = F.loopBound(n); i < bound; i += lanes) {
            FloatVector x = (FloatVector) ByteVector.fromArray(B, c, co + i)
                    .convertShape(VectorOperators.B2F, F, 0);
            acc = FloatVector.fromArray(F, q, i).fma(x, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += q[i] * c[co + i];
        return s;
    }
}
