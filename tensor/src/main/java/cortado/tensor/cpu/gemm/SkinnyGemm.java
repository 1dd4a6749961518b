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

    private SkinnyGemm() {}

    /** Same arguments as {@link cortado.tensor.cpu.Sgemm#sgemm} restricted to columns [j0, j1); k >= 1. */
    public static void run(boolean transA, boolean transB, int m, int j0, int j1, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
        // Rows of op(A), contiguous (A^T rows are strided in memory; m*k floats is small here).
        float[] rows = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                rows[i * k + p] = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
        if (transB) {
            // C[i, j] = dot(row i, B row j): B rows are contiguous in k.
            for (int j = j0; j < j1; j++) {
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

    private static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int vl = S.length(), p = 0;
        for (; p + 2 * vl <= n; p += 2 * vl) {
            acc0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), acc0);
            acc1 = FloatVector.fromArray(S, x, xo + p + vl).fma(FloatVector.fromArray(S, y, yo + p + vl), acc1);
        }
        float s = Lanes.sum(acc0.add(acc1));
        for (; p < n; p++) s = Math.fma(x[xo + p], y[yo + p], s);
        return s;
    }

    private static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length())
            FloatVector.fromArray(S, x, xo + j).fma(vs, FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] = Math.fma(s, x[xo + j], y[yo + j]);
    }
}
