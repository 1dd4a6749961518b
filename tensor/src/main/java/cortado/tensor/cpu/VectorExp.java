package cortado.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x in float, as a SIMD vector and as a scalar that gives the same bits as each lane (for loop tails).
 *
 * <p>The Vector API's {@code lanewise(EXP)} is not used because its result depends on the JIT tier: C2 calls an SVML
 * routine while the interpreter and C1 compute {@code (float) Math.exp} per lane, and about 1% of results differ by an
 * ulp (measured on JDK 25, AVX-512). Kernels that switched from one to the other mid-run made identical training runs
 * diverge. This uses only operations IEEE 754 defines exactly (add, multiply, fused multiply-add, min, max, compares,
 * integer arithmetic on the bits), so every tier, every thread count and the scalar tail agree.
 *
 * <p>Method (Cephes {@code expf}, S. Moshier): x = n ln 2 + r with n = round(x / ln 2) and |r| <= ln(2)/2, ln 2 split in
 * two parts so r is exact; exp(r) = 1 + r + r^2 P(r) with Cephes' degree-5 minimax P; the result is exp(r) 2^n, with 2^n
 * applied as two halves so that n in [-150, 128] stays within normal exponents (results in the subnormal range are
 * still produced). Within 2 ulp of e^x over the float range (tested); -inf gives 0, x > ln(MAX_VALUE) gives +inf.
 */
public final class VectorExp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Below this exp(x) rounds to 0 in float; above HI it overflows. */
    private static final float LO = -104f, HI = 88.72283935546875f;
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits. */
    private static final float MAGIC = 12582912f;
    private static final int MAGIC_BITS = 0x4B400000;
    /** ln 2 = C1 + C2, C1 with few mantissa bits so n * C1 is exact. */
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private VectorExp() {}

    /** exp of every lane. */
    public static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(LO).min(HI);
        FloatVector t = x.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(S, -C1), x);
        r = n.fma(FloatVector.broadcast(S, -C2), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        return y.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.GT, HI));
    }

    /** exp(x), the same bits as a lane of {@link #exp(FloatVector)}. */
    public static float exp(float v) {
        float x = Math.min(Math.max(v, LO), HI);
        float t = Math.fma(x, LOG2E, MAGIC);
        float n = t - MAGIC;
        float r = Math.fma(n, -C1, x);
        r = Math.fma(n, -C2, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, r * r, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - MAGIC_BITS;
        int n1 = ni >> 1, n2 = ni - n1;
        float y = p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
        return v > HI ? Float.POSITIVE_INFINITY : y;
    }
}
