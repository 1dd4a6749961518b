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
 * <p>The products are laid out as {@link Bf16Matrix}'s: the matrix-vector kernel reads 2*VL halves as VL int lanes
 * of (even, odd) pairs against the input split into even and odd elements; tiles for matrix-matrix products go
 * through {@link #decode}.
 */
public record F16Matrix(short[] bits, int rows, int cols) implements HalfMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 16));
    private static final VectorSpecies<Short> SP = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 32));
    private static final int STEP = 2 * VL;

    public F16Matrix {
        HalfMatrix.checkShape("f16", bits, rows, cols);
    }

    @Override public DType dtype() { return DType.F16; }

    public float value(long f) { return Float.float16ToFloat(bits[(int) f]); }

    private boolean pairs() { return VL >= 4 && cols % STEP == 0; }

    /** Float.float16ToFloat of the low 16 bits of every lane (the upper 16 bits are ignored). */
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
            for (; c + VL <= c1; c += VL)
                widen((IntVector) ShortVector.fromArray(SH, bits, rowF + c).convertShape(VectorOperators.S2I, SI, 0))
                        .intoArray(dst, out + c);
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
        int half = cols / 2, r = r0;
        for (; r + 4 <= r1; r += 4) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int f0 = r * cols, f1 = f0 + cols, f2 = f1 + cols, f3 = f2 + cols;
            for (int c = 0; c < cols; c += STEP) {
                FloatVector xe = FloatVector.fromArray(S, xs, c >>> 1);
                FloatVector xo = FloatVector.fromArray(S, xs, half + (c >>> 1));
                a0 = pair(f0 + c, xe, xo, a0);
                a1 = pair(f1 + c, xe, xo, a1);
                a2 = pair(f2 + c, xe, xo, a2);
                a3 = pair(f3 + c, xe, xo, a3);
            }
            y[yOff + r] = Lanes.sum(a0);
            y[yOff + r + 1] = Lanes.sum(a1);
            y[yOff + r + 2] = Lanes.sum(a2);
            y[yOff + r + 3] = Lanes.sum(a3);
        }
        for (; r < r1; r++) {
            FloatVector a = FloatVector.zero(S);
            int f0 = r * cols;
            for (int c = 0; c < cols; c += STEP)
                a = pair(f0 + c, FloatVector.fromArray(S, xs, c >>> 1), FloatVector.fromArray(S, xs, half + (c >>> 1)), a);
            y[yOff + r] = Lanes.sum(a);
        }
    }

    /** acc + W[f .. f+2VL) . x: the even halves sit in the low 16 bits of each int lane, the odd ones in the high. */
    private FloatVector pair(int f, FloatVector xe, FloatVector xo, FloatVector acc) {
        IntVector p = ShortVector.fromArray(SP, bits, f).reinterpretAsInts();
        FloatVector we = widen(p);
        FloatVector wo = widen(p.lanewise(VectorOperators.LSHR, 16));
        return wo.fma(xo, we.fma(xe, acc));
    }
}
