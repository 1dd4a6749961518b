package cortado.tensor.cpu.quant;

import jdk.incubator.vector.ByteVector;
import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 4-bit blockwise-quantized matrix in the bitsandbytes layout: the row-major flattened W is cut into blocks of
 * {@code blocksize} elements, each with one fp32 {@code absmax}; element f is {@code code[nibble(f)] * absmax[f /
 * blocksize]}, two nibbles per byte with the FIRST element in the HIGH nibble. {@code code} is the 16-entry code book
 * (NF4 or FP4). A double-quantized absmax must be de-nested by the caller (it is tiny: one float per block).
 *
 * <p>Decoding in registers: VL packed bytes widen to VL int lanes; the low 4 bits of {@code b >>> 4} and of
 * {@code b} are the code indices of the even and odd elements; a two-table {@code selectFrom} (vpermt2ps with
 * AVX-512) looks the 16-entry code book up from two registers, so {@link #gemvRows} never writes an fp32 weight to
 * memory.
 */
public record Packed4bit(byte[] packed, float[] absmax, float[] code, int blocksize, int rows, int cols)
        implements QuantizedMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** VL bytes (= VL int lanes after widening). */
    private static final VectorSpecies<Byte> SB = ByteVector.SPECIES_PREFERRED.withShape(
            jdk.incubator.vector.VectorShape.forBitSize(VL * 8));
    /** One vector step decodes VL bytes = 2*VL elements. */
    private static final int STEP = 2 * VL;
    /**
     * The wide matrix-vector path reads 4*VL packed bytes as VL int lanes: lane i holds elements 8i..8i+7, and its
     * nibble k (bits 4k..4k+3, after a shift by 4k) is element 8i + NIBBLE_ELEMENT[k] (little-endian bytes, first
     * element of each byte in the high nibble). One step is 8*VL elements: one load, seven shifts, eight lookups.
     */
    private static final int WSTEP = 8 * VL;
    private static final int[] NIBBLE_ELEMENT = {1, 0, 3, 2, 5, 4, 7, 6};
    private static final VectorSpecies<Byte> SBW = ByteVector.SPECIES_PREFERRED.withShape(
            jdk.incubator.vector.VectorShape.forBitSize(VL * 32));
    /** Lanes VL/2.. of a wide step, which lie in the second block when a step spans two (blocksize = 4*VL). */
    private static final jdk.incubator.vector.VectorMask<Float> UPPER_HALF =
            jdk.incubator.vector.VectorMask.fromLong(S, ((1L << VL) - 1) & ~((1L << (VL / 2)) - 1));
    /** Lane permutation that interleaves (even, odd) element vectors into memory order. */
    private static final IntVector ZIP_LO, ZIP_HI;

    static {
        int[] lo = new int[VL], hi = new int[VL];
        for (int t = 0; t < VL; t++) {
            int src = t / 2 + ((t & 1) == 0 ? 0 : VL); // even lanes from the first table, odd from the second
            lo[t] = src;
            hi[t] = src + VL / 2;
        }
        ZIP_LO = IntVector.fromArray(SI, lo, 0);
        ZIP_HI = IntVector.fromArray(SI, hi, 0);
    }

    public Packed4bit {
        if (code.length != 16) throw new IllegalArgumentException("4-bit code book needs 16 entries, got " + code.length);
        if (blocksize <= 0) throw new IllegalArgumentException("blocksize must be positive, got " + blocksize);
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0 || n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("bad 4-bit matrix shape [" + rows + ", " + cols + "]");
        if (packed.length != (n + 1) / 2)
            throw new IllegalArgumentException("4-bit matrix [" + rows + ", " + cols + "] needs " + (n + 1) / 2
                    + " packed bytes, got " + packed.length);
        if (absmax.length != (n + blocksize - 1) / blocksize)
            throw new IllegalArgumentException("4-bit matrix [" + rows + ", " + cols + "] at blocksize " + blocksize
                    + " needs " + (n + blocksize - 1) / blocksize + " absmax values, got " + absmax.length);
    }

    /**
     * Wide matrix-vector path: rows are whole steps of 8*VL elements, and a step lies in one block or (blocksize
     * 4*VL, e.g. bitsandbytes' 64 with 512-bit vectors) splits into two halves of lanes, one block each.
     */
    private boolean wide() {
        return VL >= 8 && VL <= 16 && SBW.length() == 4 * VL && cols % WSTEP == 0
                && (blocksize % WSTEP == 0 || 2 * blocksize == WSTEP);
    }

    /** Vector path: every STEP-element chunk starts on an even element and lies inside one block. */
    private boolean vectorizable() {
        return VL >= 8 && cols % STEP == 0 && blocksize % STEP == 0;
    }

    /**
     * The code book as two table registers (VL=16: the whole book twice; VL=8: its two halves). A two-table
     * selectFrom wraps each index to {@code index & (2*VL - 1)}, and both layouts repeat the book every 16 indices,
     * so an unmasked index (a sign-extended byte, or it shifted right by 4) selects the code of its low 4 bits.
     */
    private IntVector table(int half) {
        int[] bits = new int[VL];
        for (int t = 0; t < VL; t++) bits[t] = Float.floatToRawIntBits(code[(half * VL + t) & 15]);
        return IntVector.fromArray(SI, bits, 0);
    }

    /** The fp32 value of flattened element f (scalar reference path). */
    public float value(long f) {
        int b = packed[(int) (f >>> 1)];
        int nib = (f & 1) == 0 ? (b >>> 4) & 15 : b & 15;
        return code[nib] * absmax[(int) (f / blocksize)];
    }

    @Override
    public void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld) {
        if (!vectorizable() || c0 % STEP != 0) {
            for (int r = r0; r < r1; r++)
                for (int c = c0; c < c1; c++) dst[dstOff + (r - r0) * ld + (c - c0)] = value((long) r * cols + c);
            return;
        }
        IntVector t0 = table(0), t1 = table(1);
        int cv = c0 + (c1 - c0) / STEP * STEP;
        for (int r = r0; r < r1; r++) {
            int rowF = r * cols, out = dstOff + (r - r0) * ld - c0;
            for (int c = c0; c < cv; c += STEP) {
                int f = rowF + c;
                IntVector bytes = (IntVector) ByteVector.fromArray(SB, packed, f >>> 1)
                        .convertShape(VectorOperators.B2I, SI, 0);
                IntVector even = bytes.lanewise(VectorOperators.LSHR, 4); // unmasked: the lookup wraps (see table)
                IntVector odd = bytes;
                FloatVector scale = FloatVector.broadcast(S, absmax[f / blocksize]);
                // Interleave indices into memory order, then look both halves up in the code book.
                FloatVector w0 = ZIP_LO.selectFrom(even, odd).selectFrom(t0, t1).reinterpretAsFloats();
                FloatVector w1 = ZIP_HI.selectFrom(even, odd).selectFrom(t0, t1).reinterpretAsFloats();
                w0.mul(scale).intoArray(dst, out + c);
                w1.mul(scale).intoArray(dst, out + c + VL);
            }
            for (int c = cv; c < c1; c++) dst[out + c] = value((long) rowF + c);
        }
    }

    @Override
    public float[] gemvInput(float[] x, int xOff) {
        float[] xs = new float[cols];
        if (wide()) {
            // Each step's x in the order its nibbles come out: xs[step + k*VL + i] = x[step + 8i + NIBBLE_ELEMENT[k]].
            for (int c = 0; c < cols; c += WSTEP)
                for (int k = 0; k < 8; k++)
                    for (int i = 0; i < VL; i++) xs[c + k * VL + i] = x[xOff + c + 8 * i + NIBBLE_ELEMENT[k]];
            return xs;
        }
        if (!vectorizable()) {
            System.arraycopy(x, xOff, xs, 0, cols);
            return xs;
        }
        // The even and odd elements of x, so the decoded (even, odd) vectors need no interleaving.
        int half = cols / 2;
        for (int j = 0; j < half; j++) {
            xs[j] = x[xOff + 2 * j];
            xs[half + j] = x[xOff + 2 * j + 1];
        }
        return xs;
    }

    @Override
    public void gemvRows(float[] xs, float[] y, int yOff, int r0, int r1) {
        if (wide()) {
            gemvRowsWide(xs, y, yOff, r0, r1);
            return;
        }
        if (!vectorizable()) {
            for (int r = r0; r < r1; r++) {
                float s = 0f;
                long rowF = (long) r * cols;
                for (int c = 0; c < cols; c++) s = Math.fma(value(rowF + c), xs[c], s);
                y[yOff + r] = s;
            }
            return;
        }
        int half = cols / 2;
        IntVector t0 = table(0), t1 = table(1);
        // Four rows per pass, one from each quarter of the range (see QuantMatmul.gemv): four independent FMA chains,
        // four long weight streams in flight, one load of x for all.
        int q = (r1 - r0) / 4;
        float[] red = new float[4 * VL]; // the four accumulators, for Lanes.sumFourInPlace
        if (cols % blocksize == 0) {
            // Blocks never straddle rows: accumulate each block unscaled, then one FMA by its absmax.
            for (int i = 0; i < q; i++) {
                int ra = r0 + i, rb = ra + q, rc = rb + q, rd = rc + q;
                FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
                int f0 = ra * cols, f1 = rb * cols, f2 = rc * cols, f3 = rd * cols;
                for (int c = 0; c < cols; c += blocksize) {
                    FloatVector d0 = FloatVector.zero(S), d1 = d0, d2 = d0, d3 = d0;
                    for (int cc = c, end = c + blocksize; cc < end; cc += STEP) {
                        FloatVector xe = FloatVector.fromArray(S, xs, cc >>> 1);
                        FloatVector xo = FloatVector.fromArray(S, xs, half + (cc >>> 1));
                        d0 = dot(f0 + cc, xe, xo, t0, t1, d0);
                        d1 = dot(f1 + cc, xe, xo, t0, t1, d1);
                        d2 = dot(f2 + cc, xe, xo, t0, t1, d2);
                        d3 = dot(f3 + cc, xe, xo, t0, t1, d3);
                    }
                    acc0 = d0.fma(FloatVector.broadcast(S, absmax[(f0 + c) / blocksize]), acc0);
                    acc1 = d1.fma(FloatVector.broadcast(S, absmax[(f1 + c) / blocksize]), acc1);
                    acc2 = d2.fma(FloatVector.broadcast(S, absmax[(f2 + c) / blocksize]), acc2);
                    acc3 = d3.fma(FloatVector.broadcast(S, absmax[(f3 + c) / blocksize]), acc3);
                }
                acc0.intoArray(red, 0);
                acc1.intoArray(red, VL);
                acc2.intoArray(red, 2 * VL);
                acc3.intoArray(red, 3 * VL);
                Lanes.sumFourInPlace(red, y, yOff + ra, yOff + rb, yOff + rc, yOff + rd);
            }
        } else for (int i = 0; i < q; i++) {
            int ra = r0 + i, rb = ra + q, rc = rb + q, rd = rc + q;
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            int f0 = ra * cols, f1 = rb * cols, f2 = rc * cols, f3 = rd * cols;
            for (int c = 0; c < cols; c += STEP) {
                FloatVector xe = FloatVector.fromArray(S, xs, c >>> 1);
                FloatVector xo = FloatVector.fromArray(S, xs, half + (c >>> 1));
                acc0 = chunk(f0 + c, xe, xo, t0, t1, acc0);
                acc1 = chunk(f1 + c, xe, xo, t0, t1, acc1);
                acc2 = chunk(f2 + c, xe, xo, t0, t1, acc2);
                acc3 = chunk(f3 + c, xe, xo, t0, t1, acc3);
            }
            acc0.intoArray(red, 0);
            acc1.intoArray(red, VL);
            acc2.intoArray(red, 2 * VL);
            acc3.intoArray(red, 3 * VL);
            Lanes.sumFourInPlace(red, y, yOff + ra, yOff + rb, yOff + rc, yOff + rd);
        }
        for (int r = r0 + 4 * q; r < r1; r++) {
            FloatVector acc = FloatVector.zero(S);
            int f0 = r * cols;
            for (int c = 0; c < cols; c += STEP)
                acc = chunk(f0 + c, FloatVector.fromArray(S, xs, c >>> 1),
                        FloatVector.fromArray(S, xs, half + (c >>> 1)), t0, t1, acc);
            y[yOff + r] = Lanes.sum(acc);
        }
    }

    /**
     * The wide path ({@link #wide}): four rows per pass, one from each quarter of the range (four long weight streams,
     * see QuantMatmul.gemv; x loaded once per step for all), each step's eight nibble vectors summed unscaled, then
     * one FMA by the step's absmax (per half when it spans two blocks). Each row is summed in an order fixed by cols
     * and blocksize alone.
     */
    private void gemvRowsWide(float[] xs, float[] y, int yOff, int r0, int r1) {
        // One method with no vector-returning calls: a FloatVector returned from a call C2 does not inline is boxed.
        IntVector t0 = table(0), t1 = table(1);
        boolean halves = 2 * blocksize == WSTEP;
        int q = (r1 - r0) / 4;
        float[] red = new float[4 * VL]; // the four accumulators, for Lanes.sumFourInPlace
        for (int i = 0; i < q; i++) {
            int ra = r0 + i, rb = ra + q, rc = rb + q, rd = rc + q;
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            int f0 = ra * cols, f1 = rb * cols, f2 = rc * cols, f3 = rd * cols;
            for (int c = 0; c < cols; c += WSTEP) {
                IntVector v0 = ByteVector.fromArray(SBW, packed, (f0 + c) >>> 1).reinterpretAsInts();
                IntVector v1 = ByteVector.fromArray(SBW, packed, (f1 + c) >>> 1).reinterpretAsInts();
                IntVector v2 = ByteVector.fromArray(SBW, packed, (f2 + c) >>> 1).reinterpretAsInts();
                IntVector v3 = ByteVector.fromArray(SBW, packed, (f3 + c) >>> 1).reinterpretAsInts();
                FloatVector d0 = FloatVector.zero(S), d1 = d0, d2 = d0, d3 = d0;
                for (int k = 0; k < 8; k++) {
                    // No "& 15": the two-table selectFrom wraps indices to [0, 2*VL), and the tables repeat every 16.
                    FloatVector xk = FloatVector.fromArray(S, xs, c + k * VL);
                    int sh = 4 * k;
                    d0 = v0.lanewise(VectorOperators.LSHR, sh).selectFrom(t0, t1).reinterpretAsFloats().fma(xk, d0);
                    d1 = v1.lanewise(VectorOperators.LSHR, sh).selectFrom(t0, t1).reinterpretAsFloats().fma(xk, d1);
                    d2 = v2.lanewise(VectorOperators.LSHR, sh).selectFrom(t0, t1).reinterpretAsFloats().fma(xk, d2);
                    d3 = v3.lanewise(VectorOperators.LSHR, sh).selectFrom(t0, t1).reinterpretAsFloats().fma(xk, d3);
                }
                int b0 = (f0 + c) / blocksize, b1 = (f1 + c) / blocksize, b2 = (f2 + c) / blocksize, b3 = (f3 + c) / blocksize;
                FloatVector s0 = FloatVector.broadcast(S, absmax[b0]), s1 = FloatVector.broadcast(S, absmax[b1]);
                FloatVector s2 = FloatVector.broadcast(S, absmax[b2]), s3 = FloatVector.broadcast(S, absmax[b3]);
                if (halves) {
                    s0 = s0.blend(absmax[b0 + 1], UPPER_HALF);
                    s1 = s1.blend(absmax[b1 + 1], UPPER_HALF);
                    s2 = s2.blend(absmax[b2 + 1], UPPER_HALF);
                    s3 = s3.blend(absmax[b3 + 1], UPPER_HALF);
                }
                acc0 = d0.fma(s0, acc0);
                acc1 = d1.fma(s1, acc1);
                acc2 = d2.fma(s2, acc2);
                acc3 = d3.fma(s3, acc3);
            }
            acc0.intoArray(red, 0);
            acc1.intoArray(red, VL);
            acc2.intoArray(red, 2 * VL);
            acc3.intoArray(red, 3 * VL);
            Lanes.sumFourInPlace(red, y, yOff + ra, yOff + rb, yOff + rc, yOff + rd);
        }
        for (int r = r0 + 4 * q; r < r1; r++) {
            FloatVector acc = FloatVector.zero(S);
            int f0 = r * cols;
            for (int c = 0; c < cols; c += WSTEP) {
                IntVector v0 = ByteVector.fromArray(SBW, packed, (f0 + c) >>> 1).reinterpretAsInts();
                FloatVector d0 = FloatVector.zero(S);
                for (int k = 0; k < 8; k++)
                    d0 = v0.lanewise(VectorOperators.LSHR, 4 * k).selectFrom(t0, t1).reinterpretAsFloats()
                            .fma(FloatVector.fromArray(S, xs, c + k * VL), d0);
                int b0 = (f0 + c) / blocksize;
                FloatVector s0 = FloatVector.broadcast(S, absmax[b0]);
                if (halves) s0 = s0.blend(absmax[b0 + 1], UPPER_HALF);
                acc = d0.fma(s0, acc);
            }
            y[yOff + r] = Lanes.sum(acc);
        }
    }

    /** d + codes(W[f .. f+2VL)) . x, unscaled: decode VL bytes in registers, two FMAs. */
    private FloatVector dot(int f, FloatVector xe, FloatVector xo, IntVector t0, IntVector t1, FloatVector d) {
        IntVector bytes = (IntVector) ByteVector.fromArray(SB, packed, f >>> 1).convertShape(VectorOperators.B2I, SI, 0);
        FloatVector we = bytes.lanewise(VectorOperators.LSHR, 4).selectFrom(t0, t1).reinterpretAsFloats();
        FloatVector wo = bytes.selectFrom(t0, t1).reinterpretAsFloats();
        return wo.fma(xo, we.fma(xe, d));
    }

    /** acc + absmax * (W[f .. f+2VL) . x): decode VL bytes in registers, two FMAs, one scale. */
    private FloatVector chunk(int f, FloatVector xe, FloatVector xo, IntVector t0, IntVector t1, FloatVector acc) {
        IntVector bytes = (IntVector) ByteVector.fromArray(SB, packed, f >>> 1).convertShape(VectorOperators.B2I, SI, 0);
        // No "& 15": the two-table selectFrom wraps indices to [0, 2*VL), and the tables repeat every 16 entries.
        FloatVector we = bytes.lanewise(VectorOperators.LSHR, 4).selectFrom(t0, t1).reinterpretAsFloats();
        FloatVector wo = bytes.selectFrom(t0, t1).reinterpretAsFloats();
        FloatVector dot = we.mul(xe);
        dot = wo.fma(xo, dot);
        return dot.fma(FloatVector.broadcast(S, absmax[f / blocksize]), acc);
    }
}
