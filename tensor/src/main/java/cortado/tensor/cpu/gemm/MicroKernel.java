package cortado.tensor.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: an MR x NR tile of C accumulates {@code kc} rank-1 updates, each one an MR-row
 * column of packed A (broadcast scalars) times an NR-wide row of packed B (two SIMD vectors). Per k step: 2 vector
 * loads, MR broadcasts, 2*MR fused multiply-adds.
 *
 * <p>The 2*MR accumulators are plain locals so C2 keeps them in registers; an array of vectors, or a vector passed to a
 * method that is not inlined, would be boxed on the heap. MR follows the register file: with AVX-512 (32 registers)
 * 8 rows use 16 accumulators + 2 B vectors + 1 broadcast; with 256-bit vectors (AVX2: 16 registers) 8 rows would spill,
 * so 6 rows use 12 + 2 + 1. Measured on Zen 4 against OpenBLAS (thread CPU time): 8x32 is 2-3% ahead of 6x32 at
 * 512 bits; forced to AVX2 (-XX:UseAVX=2), 8x16 runs at 0.45x OpenBLAS's Haswell kernel, 6x16 at 0.85-0.96x.
 */
public final class MicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** SIMD width in floats (16 with AVX-512, 8 with AVX2). */
    public static final int VL = S.length();
    /** Rows of the C tile. */
    public static final int MR = VL >= 16 ? 8 : 6;
    /** Columns of the C tile: two vectors. */
    public static final int NR = 2 * VL;

    private MicroKernel() {}

    /**
     * C[0..mr, 0..nr] (at {@code c[cOff + r*ldc + j]}) = alpha * (Ap @ Bp) + beta * C, where Ap is an MR x kc packed
     * micro-panel and Bp a kc x NR packed micro-panel starting at {@code bpOff}. beta == 0 does not read C. Rows >= mr
     * and columns >= nr are computed (from zero padding) but not stored. {@code tile} is MR*NR floats of scratch.
     */
    public static void run(int kc, float[] ap, float[] bp, int bpOff, float[] c, int cOff, int ldc, int mr, int nr,
                           float alpha, float beta, float[] tile) {
        if (MR == 8) tile8(kc, ap, bp, bpOff, c, cOff, ldc, mr, nr, alpha, beta, tile);
        else tile6(kc, ap, bp, bpOff, c, cOff, ldc, mr, nr, alpha, beta, tile);
    }

    /** The 8 x 2VL tile, k-loop and spill to {@code tile}. */
    private static void tile8(int kc, float[] ap, float[] bp, int bpOff, float[] c, int cOff, int ldc, int mr,
                              int nr, float alpha, float beta, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0a = z, c0b = z, c1a = z, c1b = z, c2a = z, c2b = z, c3a = z, c3b = z;
        FloatVector c4a = z, c4b = z, c5a = z, c5b = z, c6a = z, c6b = z, c7a = z, c7b = z;
        for (int p = 0, ai = 0, bi = bpOff; p < kc; p++, ai += 8, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai]);     c0a = x.fma(b0, c0a); c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(S, ap[ai + 1]); c1a = x.fma(b0, c1a); c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(S, ap[ai + 2]); c2a = x.fma(b0, c2a); c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(S, ap[ai + 3]); c3a = x.fma(b0, c3a); c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(S, ap[ai + 4]); c4a = x.fma(b0, c4a); c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(S, ap[ai + 5]); c5a = x.fma(b0, c5a); c5b = x.fma(b1, c5b);
            x = FloatVector.broadcast(S, ap[ai + 6]); c6a = x.fma(b0, c6a); c6b = x.fma(b1, c6b);
            x = FloatVector.broadcast(S, ap[ai + 7]); c7a = x.fma(b0, c7a); c7b = x.fma(b1, c7b);
        }
        c0a.intoArray(tile, 0); c0b.intoArray(tile, VL);
        c1a.intoArray(tile, NR); c1b.intoArray(tile, NR + VL);
        c2a.intoArray(tile, 2 * NR); c2b.intoArray(tile, 2 * NR + VL);
        c3a.intoArray(tile, 3 * NR); c3b.intoArray(tile, 3 * NR + VL);
        c4a.intoArray(tile, 4 * NR); c4b.intoArray(tile, 4 * NR + VL);
        c5a.intoArray(tile, 5 * NR); c5b.intoArray(tile, 5 * NR + VL);
        c6a.intoArray(tile, 6 * NR); c6b.intoArray(tile, 6 * NR + VL);
        c7a.intoArray(tile, 7 * NR); c7b.intoArray(tile, 7 * NR + VL);
        // Through a scratch array into C, in a separate method: keeps this one small enough for C2 to inline every
        // Vector API call in it.
        TileUpdate.apply(tile, c, cOff, ldc, mr, nr, alpha, beta);
    }

    /** The 6 x 2VL tile, for 16-register SIMD. */
    private static void tile6(int kc, float[] ap, float[] bp, int bpOff, float[] c, int cOff, int ldc, int mr,
                              int nr, float alpha, float beta, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0a = z, c0b = z, c1a = z, c1b = z, c2a = z, c2b = z, c3a = z, c3b = z;
        FloatVector c4a = z, c4b = z, c5a = z, c5b = z;
        for (int p = 0, ai = 0, bi = bpOff; p < kc; p++, ai += 6, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai]);     c0a = x.fma(b0, c0a); c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(S, ap[ai + 1]); c1a = x.fma(b0, c1a); c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(S, ap[ai + 2]); c2a = x.fma(b0, c2a); c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(S, ap[ai + 3]); c3a = x.fma(b0, c3a); c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(S, ap[ai + 4]); c4a = x.fma(b0, c4a); c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(S, ap[ai + 5]); c5a = x.fma(b0, c5a); c5b = x.fma(b1, c5b);
        }
        c0a.intoArray(tile, 0); c0b.intoArray(tile, VL);
        c1a.intoArray(tile, NR); c1b.intoArray(tile, NR + VL);
        c2a.intoArray(tile, 2 * NR); c2b.intoArray(tile, 2 * NR + VL);
        c3a.intoArray(tile, 3 * NR); c3b.intoArray(tile, 3 * NR + VL);
        c4a.intoArray(tile, 4 * NR); c4b.intoArray(tile, 4 * NR + VL);
        c5a.intoArray(tile, 5 * NR); c5b.intoArray(tile, 5 * NR + VL);
        // Through a scratch array into C, in a separate method: keeps this one small enough for C2 to inline every
        // Vector API call in it.
        TileUpdate.apply(tile, c, cOff, ldc, mr, nr, alpha, beta);
    }
}
