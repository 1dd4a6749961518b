package cortado.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x of a float vector that gives the same bits in every JIT tier. {@code lanewise(EXP)} does not: C2 calls an SVML
 * routine while the interpreter and C1 compute {@code (float) Math.exp} per lane, and about 1% of results differ by an
 * ulp, so a kernel's output depended on whether it had been compiled yet (measured on JDK 25, AVX-512). This uses only
 * fma, add, mul, compares and integer shifts, which are exact IEEE operations in every tier.
 *
 * <p>Cephes' expf (S. Moshier): n = round(x log2 e) by the 1.5 * 2^23 trick, r = x - n ln 2 in two Cody-Waite steps,
 * e^r by a degree-7 polynomial, times 2^n built in the exponent bits. Within 2 ulp of e^x on [-87.3, 88]; below -87.3
 * (and for -inf) the result is exactly 0, above 88 it saturates at e^88 (softmax only feeds it x <= 0).
 */
final class VectorExp {
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final float LO = -87.33654f, HI = 88f;
    private static final float LOG2E = 1.44269504088896341f, ROUND = 12582912f;   // 1.5 * 2^23
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private VectorExp() {}

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LO).min(HI);
        FloatVector n = xc.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(SP, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(SP, -LN2_LO), r);
        FloatVector y = FloatVector.broadcast(SP, P0).fma(r, FloatVector.broadcast(SP, P1));
        y = y.fma(r, FloatVector.broadcast(SP, P2));
        y = y.fma(r, FloatVector.broadcast(SP, P3));
        y = y.fma(r, FloatVector.broadcast(SP, P4));
        y = y.fma(r, FloatVector.broadcast(SP, P5));
        y = y.fma(r.mul(r), r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats()).blend(0f, x.compare(VectorOperators.LT, LO));
    }
}
