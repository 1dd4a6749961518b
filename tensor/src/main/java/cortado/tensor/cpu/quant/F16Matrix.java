package cortado.tensor.cpu.quant;

import cortado.tensor.DType;
import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A frozen matrix W [rows, cols] held as IEEE half-precision (f16) bits, row-major, two bytes per weight (never an
 * fp32 copy). JDK 25's Vector API has no half-float lanes, so {@link #widen} converts in int lanes, exactly as
 * {@link Float#float16ToFloat}: the exponent and mantissa shifted into float position and multiplied by 2^112 (which
 * rebiases the exponent from 15 to 127 and turns f16 subnormals into the right normal floats), infinities and NaNs
 * (exponent 31) given exponent 255 with their mantissa kept (NaNs made quiet), then the sign.
 *
 * <p>A matrix without infinities or NaNs (the usual case, checked once when it is made) takes a three-operation
 * widening instead ({@link #widenFiniteHigh}). The products are laid out as {@link Bf16Matrix}'s: the matrix-vector
 * kernel reads 2*VL halves as VL int lanes of (even, odd) pairs against the input split into even and odd elements
 * (two rows per pass; see {@link #twoRowsFinite}); tiles for matrix-matrix products go through {@link #decode}.
 */
public final class F16Matrix implements HalfMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 16));
    private static final VectorSpecies<Short> SP = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 32));
    private static final int STEP = 2 * VL;

    private final short[] bits;
    private final int rows, cols;
    /** No infinity or NaN among the weights (checked once here): the kernels then skip the exponent-31 fix-up. */
    private final boolean finite;

    public F16Matrix(short[] bits, int rows, int cols) {
        HalfMatrix.checkShape("f16", bits, rows, cols);
        this.bits = bits;
        this.rows = rows;
        this.cols = cols;
        boolean f = true;
        for (short b : bits) f &= (b & 0x7c00) != 0x7c00;
        this.finite = f;
    }

    @Override public short[] bits() { return bits; }

    @Override public int rows() { return rows; }

    @Override public int cols() { return cols; }

    @Override public DType dtype() { return DType.F16; }

    /** Whether every weight is finite (the fast widening applies). */
    public boolean finite() { return finite; }

    public float value(long f) { return Float.float16ToFloat(bits[(int) f]); }

    private boolean pairs() { return VL >= 4 && cols % STEP == 0; }

    private static final IntVector SIGN_EXP_MANT = IntVector.broadcast(SI, 0x8fffe000);
    private static final FloatVector REBIAS = FloatVector.broadcast(S, 0x1p112f);

    /** The finite half in the low 16 bits of each lane, widened (see {@link #widenFiniteHigh}). */
    private static FloatVector even(IntVector p) {
        return p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).lanewise(VectorOperators.AND, SIGN_EXP_MANT)
                .reinterpretAsFloats().mul(REBIAS);
    }

    /** The finite half in the high 16 bits of each lane, widened. */
    private static FloatVector odd(IntVector p) {
        return p.lanewise(VectorOperators.ASHR, 3).lanewise(VectorOperators.AND, SIGN_EXP_MANT)
                .reinterpretAsFloats().mul(REBIAS);
    }

    /**
     * Float.float16ToFloat of a finite half held in the TOP 16 bits of every lane (the low 16 bits are ignored): an
     * arithmetic shift by 3 moves exponent and mantissa into float position and copies the sign into the three bits
     * above the exponent, the mask keeps the sign and clears those copies, and the multiply by 2^112 rebiases the
     * exponent (sign, zeros and subnormals included). Three operations; wrong only for infinities and NaNs.
     */
    static FloatVector widenFiniteHigh(IntVector top) {
        return top.lanewise(VectorOperators.ASHR, 3).lanewise(VectorOperators.AND, 0x8fffe000)
                .reinterpretAsFloats().mul(0x1p112f);
    }

    /** Float.float16ToFloat of the low 16 bits of every lane (the upper 16 bits are ignored), any bit pattern. */
    static FloatVector widen(IntVector h) {
        IntVector em = h.lanewise(VectorOperators.AND, 0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector finite = em.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = h.lanewise(VectorOperators.AND, 0x7c00).compare(VectorOperators.EQ, 0x7c00);
        // A NaN comes out quiet, as the JDK's conversion (and vcvtph2ps) gives it.
        VectorMask<Integer> nan = em.compare(VectorOperators.GT, 0x0f800000);
        IntVector inf = em.lanewise(VectorOperators.OR, 0x7f800000)
                .lanewise(VectorOperators.OR, IntVector.zero(SI).blend(0x00400000, nan));
        return finite.blend(inf, special).lanewise(VectorOperators.OR, sign).reinterpretAsFloats();
    }

    @Override
    public void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld) {
        for (int r = r0; r < r1; r++) {
            int rowF = r * cols, out = dstOff + (r - r0) * ld - c0, c = c0;
            for (; c + VL <= c1; c += VL) {
                IntVector h = (IntVector) ShortVector.fromArray(SH, bits, rowF + c).convertShape(VectorOperators.S2I, SI, 0);
                (finite ? widenFiniteHigh(h.lanewise(VectorOperators.LSHL, 16)) : widen(h)).intoArray(dst, out + c);
            }
            for (; c < c1; c++) dst[out + c] = value((long) rowF + c);
        }
    }

    @Override
    public float[] gemvInput(float[] x, int xOff) { return HalfMatrix.evenOdd(x, xOff, cols, pairs()); }

    @Override
    public void gemvRows(float[] xs, float[] y, int yOff, int r0, int r1) {
        if (!pairs()) {
            for (int r = r0; r < r1; r++) {
                float s = 0f;
                long rowF = (long) r * cols;
                for (int c = 0; c < cols; c++) s = Math.fma(value(rowF + c), xs[c], s);
                y[yOff + r] = s;
            }
            return;
        }
        if (finite) rowsFinite(xs, y, yOff, r0, r1);
        else rowsExact(xs, y, yOff, r0, r1);
    }

    // The finite and the exact path are separate loops: one loop dispatching per step compiles too large for C2 to
    // inline its widening, and an un-inlined Vector API call boxes its vectors (measured 2.5x slower).

    /** Two rows per pass, one from each half of the range: two long weight streams (see QuantMatmul.gemv). */
    private void rowsFinite(float[] xs, float[] y, int yOff, int r0, int r1) {
        int h = (r1 - r0) / 2;
        for (int i = 0; i < h; i++) twoRowsFinite(xs, y, yOff, r0 + i, r0 + h + i);
        if (r0 + 2 * h < r1) oneRowFinite(xs, y, yOff, r1 - 1);
    }

    /**
     * Rows r and rb, the widening written out (two rows, not Bf16Matrix's four: its longer chain of lane operations
     * per weight would push four rows past C2's inlining node budget, and an un-inlined Vector API call boxes its
     * vectors, several times slower).
     */
    private void twoRowsFinite(float[] xs, float[] y, int yOff, int r, int rb) {
        int half = cols / 2, f0 = r * cols, f1 = rb * cols;
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int c = 0; c < cols; c += STEP) {
            FloatVector xe = FloatVector.fromArray(S, xs, c >>> 1);
            FloatVector xo = FloatVector.fromArray(S, xs, half + (c >>> 1));
            IntVector p0 = ShortVector.fromArray(SP, bits, f0 + c).reinterpretAsInts();
            IntVector p1 = ShortVector.fromArray(SP, bits, f1 + c).reinterpretAsInts();
            a0 = odd(p0).fma(xo, even(p0).fma(xe, a0));
            a1 = odd(p1).fma(xo, even(p1).fma(xe, a1));
        }
        y[yOff + r] = Lanes.sum(a0);
        y[yOff + rb] = Lanes.sum(a1);
    }

    private void oneRowFinite(float[] xs, float[] y, int yOff, int r) {
        int half = cols / 2, f0 = r * cols;
        FloatVector a = FloatVector.zero(S);
        for (int c = 0; c < cols; c += STEP) {
            IntVector p = ShortVector.fromArray(SP, bits, f0 + c).reinterpretAsInts();
            a = odd(p).fma(FloatVector.fromArray(S, xs, half + (c >>> 1)),
                    even(p).fma(FloatVector.fromArray(S, xs, c >>> 1), a));
        }
        y[yOff + r] = Lanes.sum(a);
    }

    private void rowsExact(float[] xs, float[] y, int yOff, int r0, int r1) {
        int half = cols / 2, q = (r1 - r0) / 4;
        float[] red = new float[4 * VL]; // the four accumulators, for Lanes.sumFourInPlace
        // Four rows per pass, one from each quarter of the range (see QuantMatmul.gemv).
        for (int i = 0; i < q; i++) {
            int ra = r0 + i, rb = ra + q, rc = rb + q, rd = rc + q;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int f0 = ra * cols, f1 = rb * cols, f2 = rc * cols, f3 = rd * cols;
            for (int c = 0; c < cols; c += STEP) {
                FloatVector xe = FloatVector.fromArray(S, xs, c >>> 1);
                FloatVector xo = FloatVector.fromArray(S, xs, half + (c >>> 1));
                a0 = pairExact(f0 + c, xe, xo, a0);
                a1 = pairExact(f1 + c, xe, xo, a1);
                a2 = pairExact(f2 + c, xe, xo, a2);
                a3 = pairExact(f3 + c, xe, xo, a3);
            }
            a0.intoArray(red, 0);
            a1.intoArray(red, VL);
            a2.intoArray(red, 2 * VL);
            a3.intoArray(red, 3 * VL);
            Lanes.sumFourInPlace(red, y, yOff + ra, yOff + rb, yOff + rc, yOff + rd);
        }
        for (int r = r0 + 4 * q; r < r1; r++) {
            FloatVector a = FloatVector.zero(S);
            int f0 = r * cols;
            for (int c = 0; c < cols; c += STEP)
                a = pairExact(f0 + c, FloatVector.fromArray(S, xs, c >>> 1), FloatVector.fromArray(S, xs, half + (c >>> 1)), a);
            y[yOff + r] = Lanes.sum(a);
        }
    }

    /** acc + W[f .. f+2VL) . x for any bit pattern: the even halves in the low 16 bits of each lane. */
    private FloatVector pairExact(int f, FloatVector xe, FloatVector xo, FloatVector acc) {
        IntVector p = ShortVector.fromArray(SP, bits, f).reinterpretAsInts();
        FloatVector we = widen(p);
        FloatVector wo = widen(p.lanewise(VectorOperators.LSHR, 16));
        return wo.fma(xo, we.fma(xe, acc));
    }
}
