package cortado.tensor.cpu.gemm;

import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * C[m, j0..j1] for a handful of rows (m below the micro-kernel's MR, e.g. one token of generation): matrix-vector
 * work that is bound by reading B once, so packing B (which would triple the memory traffic) and the MR-row kernel
 * (which would idle most of its lanes) are skipped. B is streamed straight from the caller's array.
 */
public final class SkinnyGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Columns of C handled per pass, so those C rows stay in L1 while B streams past. */
    private static final int JB = 1024;
    /** Vectors of C per register strip in the one-row axpy form ({@link #columnStrips}). */
    private static final int STRIP = 8;

    private SkinnyGemm() {}

    /**
     * The rows of op(A) times alpha, contiguous ([m, k]; A^T rows are strided in memory, and m*k floats is small
     * here): made once per call and shared by every column chunk of {@link #run}.
     */
    public static float[] rows(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        float[] rows = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                rows[i * k + p] = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
        return rows;
    }

    /**
     * C[0..m, j0..j1) = rows @ op(B) + beta * C, for {@code rows} from {@link #rows} and the rest of the arguments as
     * {@link cortado.tensor.cpu.Sgemm#sgemm}; k >= 1. Each element of C is computed the same way whatever [j0, j1) is,
     * so how the columns are split (by the thread count) never changes a result.
     */
    public static void run(float[] rows, boolean transB, int m, int j0, int j1, int k,
                           float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (transB) {
            // C[i, j] = dot(row i, B row j): B rows are contiguous in k.
            int j = j0;
            if (m == 1) {
                // Four B rows per pass: four weight streams in flight and one load of x for all four; each column's
                // sum is the same chain of operations as dot() makes, so its bits do not depend on the grouping.
                float[] d = new float[4];
                for (; j + 4 <= j1; j += 4) {
                    dot4(rows, b, bOff + j * ldb, ldb, k, d);
                    for (int q = 0; q < 4; q++) {
                        int ci = cOff + j + q;
                        c[ci] = beta == 0f ? d[q] : d[q] + beta * c[ci];
                    }
                }
            }
            for (; j < j1; j++) {
                int bj = bOff + j * ldb;
                for (int i = 0; i < m; i++) {
                    float d = dot(rows, i * k, b, bj, k);
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? d : d + beta * c[ci];
                }
            }
            return;
        }
        // C[i, :] = sum_p row_i[p] * B[p, :]: a sequence of axpys over contiguous rows of B.
        if (m == 1) j0 = columnStrips(rows, j0, j1, k, b, bOff, ldb, beta, c, cOff);
        for (int jb = j0; jb < j1; jb += JB) {
            int len = Math.min(JB, j1 - jb);
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc + jb;
                if (beta == 0f) java.util.Arrays.fill(c, ci, ci + len, 0f);
                else if (beta != 1f) for (int j = 0; j < len; j++) c[ci + j] *= beta;
            }
            for (int p = 0; p < k; p++) {
                int bp = bOff + p * ldb + jb;
                for (int i = 0; i < m; i++) axpy(rows[i * k + p], b, bp, c, cOff + i * ldc + jb, len);
            }
        }
    }

    /**
     * One row of C: columns from j0 in strips of {@link #STRIP} vectors that stay in registers while all k rows of B
     * stream past (each row contributes 8 vectors, 512 bytes with AVX-512), instead of loading and storing C for every
     * row of B as the axpy loop does: 1.3-1.6x the bandwidth of that loop on Zen 4 for GPT-2's Conv1D shapes. Each
     * column is the same chain, {@code fma(x[p], B[p, j], acc)} from {@code beta * C} (or 0) in p order, as the axpy
     * loop makes, so the bits do not depend on which columns form a strip. Returns the first column it did not do.
     */
    private static int columnStrips(float[] x, int j0, int j1, int k, float[] b, int bOff, int ldb, float beta,
                                    float[] c, int cOff) {
        int vl = S.length(), j = j0;
        for (; j + STRIP * vl <= j1; j += STRIP * vl) {
            int cj = cOff + j;
            FloatVector a0, a1, a2, a3, a4, a5, a6, a7;
            if (beta == 0f) {
                a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = FloatVector.zero(S);
            } else {
                a0 = start(c, cj, beta); a1 = start(c, cj + vl, beta); a2 = start(c, cj + 2 * vl, beta);
                a3 = start(c, cj + 3 * vl, beta); a4 = start(c, cj + 4 * vl, beta); a5 = start(c, cj + 5 * vl, beta);
                a6 = start(c, cj + 6 * vl, beta); a7 = start(c, cj + 7 * vl, beta);
            }
            for (int p = 0, o = bOff + j; p < k; p++, o += ldb) {
                FloatVector xp = FloatVector.broadcast(S, x[p]);
                a0 = xp.fma(FloatVector.fromArray(S, b, o), a0);
                a1 = xp.fma(FloatVector.fromArray(S, b, o + vl), a1);
                a2 = xp.fma(FloatVector.fromArray(S, b, o + 2 * vl), a2);
                a3 = xp.fma(FloatVector.fromArray(S, b, o + 3 * vl), a3);
                a4 = xp.fma(FloatVector.fromArray(S, b, o + 4 * vl), a4);
                a5 = xp.fma(FloatVector.fromArray(S, b, o + 5 * vl), a5);
                a6 = xp.fma(FloatVector.fromArray(S, b, o + 6 * vl), a6);
                a7 = xp.fma(FloatVector.fromArray(S, b, o + 7 * vl), a7);
            }
            a0.intoArray(c, cj); a1.intoArray(c, cj + vl); a2.intoArray(c, cj + 2 * vl); a3.intoArray(c, cj + 3 * vl);
            a4.intoArray(c, cj + 4 * vl); a5.intoArray(c, cj + 5 * vl); a6.intoArray(c, cj + 6 * vl);
            a7.intoArray(c, cj + 7 * vl);
        }
        return j;
    }

    /** beta * C[off..], as the axpy loop scales C before its first row (beta 1 leaves C as it is). */
    private static FloatVector start(float[] c, int off, float beta) {
        FloatVector v = FloatVector.fromArray(S, c, off);
        return beta == 1f ? v : v.mul(beta);
    }

    /** One accumulator over k in vector steps, then its lanes summed and the tail added: the chain dot4 makes too. */
    private static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int vl = S.length(), p = 0;
        for (; p + vl <= n; p += vl)
            acc = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), acc);
        float s = Lanes.sum(acc);
        for (; p < n; p++) s = Math.fma(x[xo + p], y[yo + p], s);
        return s;
    }

    /**
     * d[q] = dot(x, B row q) for the four rows at y0, y0 + ldy, ..., each summed exactly as {@link #dot} does. One
     * accumulator per row: four contiguous weight streams and one load of x per step. (Two accumulators per row, with
     * two loads of x, ran at 20 GB/s on Zen 4 against 27-35 GB/s this way.)
     */
    private static void dot4(float[] x, float[] y, int y0, int ldy, int n, float[] d) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int vl = S.length(), p = 0, y1 = y0 + ldy, y2 = y1 + ldy, y3 = y2 + ldy;
        for (; p + vl <= n; p += vl) {
            FloatVector xv = FloatVector.fromArray(S, x, p);
            a0 = xv.fma(FloatVector.fromArray(S, y, y0 + p), a0);
            a1 = xv.fma(FloatVector.fromArray(S, y, y1 + p), a1);
            a2 = xv.fma(FloatVector.fromArray(S, y, y2 + p), a2);
            a3 = xv.fma(FloatVector.fromArray(S, y, y3 + p), a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; p < n; p++) {
            float xp = x[p];
            s0 = Math.fma(xp, y[y0 + p], s0);
            s1 = Math.fma(xp, y[y1 + p], s1);
            s2 = Math.fma(xp, y[y2 + p], s2);
            s3 = Math.fma(xp, y[y3 + p], s3);
        }
        d[0] = s0;
        d[1] = s1;
        d[2] = s2;
        d[3] = s3;
    }

    private static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length())
            FloatVector.fromArray(S, x, xo + j).fma(vs, FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] = Math.fma(s, x[xo + j], y[yo + j]);
    }
}
