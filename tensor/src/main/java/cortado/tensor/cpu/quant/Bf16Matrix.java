package cortado.tensor.cpu.quant;

import cortado.tensor.DType;
import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A frozen matrix W [rows, cols] held as bfloat16 bits, row-major, two bytes per weight (never an fp32 copy).
 * bfloat16 is the top half of a float32, so widening is {@code bits << 16} reinterpreted as a float.
 *
 * <p>Matrix-vector product (decoding, memory-bound): one vector load takes 2*VL weights as VL int lanes, each holding
 * an (even, odd) pair in little-endian order; {@code lane << 16} is the even weight and {@code lane & 0xffff0000} the
 * odd one, so the input is split into its even and odd elements once per product ({@link #gemvInput}) and no lane
 * shuffling is needed. Matrix-matrix products decode cache-sized tiles through {@link #decode} ({@link QuantMatmul}).
 */
public record Bf16Matrix(short[] bits, int rows, int cols) implements HalfMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** VL shorts, widened to VL int lanes by {@link #decode}. */
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 16));
    /** 2*VL shorts: a full register, reinterpreted as VL (even, odd) int pairs by {@link #gemvRows}. */
    private static final VectorSpecies<Short> SP = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 32));
    private static final int STEP = 2 * VL;

    public Bf16Matrix {
        HalfMatrix.checkShape("bf16", bits, rows, cols);
    }

    @Override public DType dtype() { return DType.BF16; }

    /** The fp32 value of flattened element f (scalar reference path). */
    public float value(long f) { return DType.bf16ToF32(bits[(int) f]); }

    private boolean pairs() { return VL >= 4 && cols % STEP == 0; }

    @Override
    public void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld) {
        for (int r = r0; r < r1; r++) {
            int rowF = r * cols, out = dstOff + (r - r0) * ld - c0, c = c0;
            for (; c + VL <= c1; c += VL)
                ((IntVector) ShortVector.fromArray(SH, bits, rowF + c).convertShape(VectorOperators.S2I, SI, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, out + c);
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
        int half = cols / 2, q = (r1 - r0) / 4;
        float[] red = new float[4 * VL]; // the four accumulators, for Lanes.sumFourInPlace
        // Four rows per pass, one from each quarter of the range (see QuantMatmul.gemv): four long weight streams in
        // flight, one load of x shared by all four.
        for (int i = 0; i < q; i++) {
            int ra = r0 + i, rb = ra + q, rc = rb + q, rd = rc + q;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int f0 = ra * cols, f1 = rb * cols, f2 = rc * cols, f3 = rd * cols;
            for (int c = 0; c < cols; c += STEP) {
                FloatVector xe = FloatVector.fromArray(S, xs, c >>> 1);
                FloatVector xo = FloatVector.fromArray(S, xs, half + (c >>> 1));
                a0 = pair(f0 + c, xe, xo, a0);
                a1 = pair(f1 + c, xe, xo, a1);
                a2 = pair(f2 + c, xe, xo, a2);
                a3 = pair(f3 + c, xe, xo, a3);
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
                a = pair(f0 + c, FloatVector.fromArray(S, xs, c >>> 1), FloatVector.fromArray(S, xs, half + (c >>> 1)), a);
            y[yOff + r] = Lanes.sum(a);
        }
    }

    /** acc + W[f .. f+2VL) . x: one load of 2*VL weights, widened in registers, two FMAs. */
    private FloatVector pair(int f, FloatVector xe, FloatVector xo, FloatVector acc) {
        IntVector p = ShortVector.fromArray(SP, bits, f).reinterpretAsInts();
        FloatVector we = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        FloatVector wo = p.lanewise(VectorOperators.AND, 0xffff0000).reinterpretAsFloats();
        return wo.fma(xo, we.fma(xe, acc));
    }
}
