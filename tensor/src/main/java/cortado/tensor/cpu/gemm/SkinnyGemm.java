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
    /**
     * Floats of C (over all m rows) handled per pass, so they stay in L1 while B streams past in long contiguous runs:
     * four rows of B per pass read at 13.9 GB/s on a Xeon where register strips of C down all of B's rows (a 9 KiB
     * stride) read at 9.9 (bench/.../DecodeMatvecsMain, GPT-2's Conv1D shapes).
     */
    private static final int C_FLOATS = 4096;

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
                // Four B rows per pass, one from each quarter of [j0, j1): four long weight streams in flight (the
                // prefetchers keep ahead of them, where four neighbouring rows are one stream of short runs) and one
                // load of x for all four; each column's sum is the same chain of operations as dot() makes, so its
                // bits do not depend on the grouping.
                float[] d = new float[4];
                int q = (j1 - j0) / 4;
                for (int i = 0; i < q; i++) {
                    dot4(rows, b, bOff + (j0 + i) * ldb, q * ldb, k, d);
                    for (int r = 0; r < 4; r++) {
                        int ci = cOff + j0 + i + r * q;
                        c[ci] = beta == 0f ? d[r] : d[r] + beta * c[ci];
                    }
                }
                j = j0 + 4 * q;
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
        // C[i, :] = sum_p row_i[p] * B[p, :]: axpys over contiguous rows of B, four rows of B per load and store of C.
        // Each element's chain is fma(row_i[p], B[p, j], acc) in p order from beta * C (or 0), however the columns are
        // split or blocked, so the bits do not depend on the thread count.
        int jbMax = Math.max(S.length(), C_FLOATS / m / S.length() * S.length());
        for (int jb = j0; jb < j1; jb += jbMax) {
            int len = Math.min(jbMax, j1 - jb);
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc + jb;
                if (beta == 0f) java.util.Arrays.fill(c, ci, ci + len, 0f);
                else if (beta != 1f) for (int j = 0; j < len; j++) c[ci + j] *= beta;
            }
            int p = 0;
            for (; p + 4 <= k; p += 4)
                for (int i = 0; i < m; i++) axpy4(rows, i * k + p, b, bOff + p * ldb + jb, ldb, c, cOff + i * ldc + jb, len);
            for (; p < k; p++)
                for (int i = 0; i < m; i++) axpy(rows[i * k + p], b, bOff + p * ldb + jb, c, cOff + i * ldc + jb, len);
        }
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

    /**
     * y[yo ..+n] += s[so] * B[bo ..] + s[so+1] * B[bo + ldb ..] + ... (four rows of B), as four fused multiply-adds in
     * row order: the chain {@link #axpy} makes one row at a time, with one load and store of y for four rows.
     */
    private static void axpy4(float[] s, int so, float[] b, int bo, int ldb, float[] y, int yo, int n) {
        FloatVector s0 = FloatVector.broadcast(S, s[so]), s1 = FloatVector.broadcast(S, s[so + 1]);
        FloatVector s2 = FloatVector.broadcast(S, s[so + 2]), s3 = FloatVector.broadcast(S, s[so + 3]);
        int b1 = bo + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, y, yo + j);
            acc = FloatVector.fromArray(S, b, bo + j).fma(s0, acc);
            acc = FloatVector.fromArray(S, b, b1 + j).fma(s1, acc);
            acc = FloatVector.fromArray(S, b, b2 + j).fma(s2, acc);
            acc = FloatVector.fromArray(S, b, b3 + j).fma(s3, acc);
            acc.intoArray(y, yo + j);
        }
        for (; j < n; j++) {
            float acc = y[yo + j];
            acc = Math.fma(s[so], b[bo + j], acc);
            acc = Math.fma(s[so + 1], b[b1 + j], acc);
            acc = Math.fma(s[so + 2], b[b2 + j], acc);
            acc = Math.fma(s[so + 3], b[b3 + j], acc);
            y[yo + j] = acc;
        }
    }

    private static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length())
            FloatVector.fromArray(S, x, xo + j).fma(vs, FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] = Math.fma(s, x[xo + j], y[yo + j]);
    }
}
