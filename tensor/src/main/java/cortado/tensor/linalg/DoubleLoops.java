package cortado.tensor.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two inner loops of the factorizations, on contiguous runs of double: a dot product and a plane rotation, with
 * SIMD lanes. Only lanewise multiplies and adds are used (exact in every JIT tier) and the lanes of the dot product are
 * summed left to right, so a result does not depend on when the JIT compiled the loop.
 */
final class DoubleLoops {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private DoubleLoops() {}

    /** {@code Σ x[xo + i] · y[yo + i]} for i < len. */
    static double dot(double[] x, int xo, double[] y, int yo, int len) {
        int i = 0;
        double acc = 0;
        if (len >= 2 * L) {
            DoubleVector v = DoubleVector.zero(S);
            for (; i <= len - L; i += L)
                v = v.add(DoubleVector.fromArray(S, x, xo + i).mul(DoubleVector.fromArray(S, y, yo + i)));
            for (int l = 0; l < L; l++) acc += v.lane(l);
        }
        for (; i < len; i++) acc += x[xo + i] * y[yo + i];
        return acc;
    }

    /** {@code (x_p, x_q) = (c x_p - s x_q, s x_p + c x_q)} over {@code len} elements from offsets p and q. */
    static void rotate(double[] x, int p, int q, int len, double c, double s) {
        int i = 0;
        for (; i <= len - L; i += L) {
            DoubleVector a = DoubleVector.fromArray(S, x, p + i), b = DoubleVector.fromArray(S, x, q + i);
            a.mul(c).sub(b.mul(s)).intoArray(x, p + i);
            a.mul(s).add(b.mul(c)).intoArray(x, q + i);
        }
        for (; i < len; i++) {
            double a = x[p + i], b = x[q + i];
            x[p + i] = c * a - s * b;
            x[q + i] = s * a + c * b;
        }
    }

    /** {@code y[yo + i] -= alpha · x[xo + i]} for i < len. */
    static void axpyMinus(double alpha, double[] x, int xo, double[] y, int yo, int len) {
        int i = 0;
        for (; i <= len - L; i += L)
            DoubleVector.fromArray(S, y, yo + i).sub(DoubleVector.fromArray(S, x, xo + i).mul(alpha)).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] -= alpha * x[xo + i];
    }
}
