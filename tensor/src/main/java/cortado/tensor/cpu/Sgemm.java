package cortado.tensor.cpu;

import cortado.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision general matrix multiply, row-major: {@code C = alpha * op(A) @ op(B) + beta * C}, where
 * {@code op(X)} is {@code X} or its transpose. Matches BLAS {@code sgemm} semantics (beta == 0 ignores C, so NaN in C
 * does not leak), but row-major: element (i, j) of a matrix with leading dimension ld sits at {@code off + i*ld + j}.
 */
public final class Sgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Sgemm() {}

    /**
     * C[m,n] = alpha * op(A)[m,k] @ op(B)[k,n] + beta * C. A is stored [m,k] (lda >= k), or [k,m] (lda >= m) when
     * transA; B is stored [k,n] (ldb >= n), or [n,k] (ldb >= k) when transB; C is [m,n] (ldc >= n).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        // op(B) as a contiguous [k, n] row-major panel, so every row of C is a sum of scaled rows of it.
        float[] bt;
        int bo, ldbt;
        if (transB) {
            bt = new float[k * n];
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) bt[p * n + j] = b[bOff + j * ldb + p];
            bo = 0;
            ldbt = n;
        } else {
            bt = b;
            bo = bOff;
            ldbt = ldb;
        }
        final float[] bb = bt;
        final int bbo = bo, ldbb = ldbt;
        long work = (long) m * n * k;
        int chunks = work < (1L << 18) ? 1 : Math.min(m, Parallel.threads() * 4);
        Parallel.forEach(chunks, ch -> {
            int i0 = (int) ((long) m * ch / chunks), i1 = (int) ((long) m * (ch + 1) / chunks);
            float[] arow = new float[k];
            for (int i = i0; i < i1; i++) {
                int ci = cOff + i * ldc;
                scaleRow(c, ci, n, beta);
                for (int p = 0; p < k; p++) arow[p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                for (int p = 0; p < k; p++) {
                    float s = alpha * arow[p];
                    if (s == 0f) continue;
                    axpy(s, bb, bbo + p * ldbb, c, ci, n);
                }
            }
        });
    }

    /**
     * {@code batch} independent sgemm calls; operand t starts at {@code off + t*stride}. A stride of 0 shares the
     * operand across the batch (e.g. one weight matrix for every batch element).
     */
    public static void sgemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb,
                                    long strideB, float beta, float[] c, int cOff, int ldc, long strideC) {
        if (batch < 0) throw new IllegalArgumentException("sgemmBatched: batch must be >= 0, got " + batch);
        for (int t = 0; t < batch; t++) {
            sgemm(transA, transB, m, n, k, alpha,
                    a, Math.toIntExact(aOff + t * strideA), lda,
                    b, Math.toIntExact(bOff + t * strideB), ldb,
                    beta, c, Math.toIntExact(cOff + t * strideC), ldc);
        }
    }

    private static void scaleRow(float[] c, int off, int n, float beta) {
        if (beta == 1f) return;
        if (beta == 0f) {
            java.util.Arrays.fill(c, off, off + n, 0f);
            return;
        }
        for (int j = 0; j < n; j++) c[off + j] *= beta;
    }

    /** y[yo..yo+n) += s * x[xo..xo+n). */
    private static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int j = 0;
        int bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + j);
            FloatVector yv = FloatVector.fromArray(S, y, yo + j);
            xv.fma(vs, yv).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(s, x[xo + j], y[yo + j]);
    }

    static void checkArgs(boolean transA, boolean transB, int m, int n, int k,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        checkMatrix("A", a, aOff, lda, aRows, aCols);
        checkMatrix("B", b, bOff, ldb, bRows, bCols);
        checkMatrix("C", c, cOff, ldc, m, n);
    }

    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < cols || ld < 0)
            throw new IllegalArgumentException("sgemm: ld" + name.toLowerCase() + "=" + ld + " < " + cols
                    + " columns of " + name);
        if (rows == 0 || cols == 0) return;
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length)
            throw new IllegalArgumentException("sgemm: " + name + " [" + rows + "x" + cols + "] at offset " + off
                    + " with ld " + ld + " needs " + last + " elements, array has " + x.length);
    }
}
