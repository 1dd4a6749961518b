package cortado.tensor.cpu;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.gemm.BlockedGemm;
import cortado.tensor.cpu.gemm.MicroKernel;
import cortado.tensor.cpu.gemm.NarrowGemm;
import cortado.tensor.cpu.gemm.SkinnyGemm;

/**
 * Single-precision general matrix multiply, row-major: {@code C = alpha * op(A) @ op(B) + beta * C}, where
 * {@code op(X)} is {@code X} or its transpose. BLAS {@code sgemm} semantics (beta == 0 ignores C, so NaN in C does not
 * leak), but row-major: element (i, j) of a matrix with leading dimension ld sits at {@code off + i*ld + j}.
 *
 * <p>Structure (GotoBLAS/BLIS): operands are packed into cache-sized contiguous panels ({@link
 * cortado.tensor.cpu.gemm.Packing}), a loop nest walks cache blocks ({@link BlockedGemm}), and a register-blocked
 * SIMD micro-kernel does the arithmetic ({@link MicroKernel}). Threads share each packed block of B and split the
 * rows of C (see {@link BlockedGemm}). A few rows (matrix-vector work) take {@link SkinnyGemm}; a C of a few columns
 * (a LoRA rank), or a weight gradient of a few rows, takes {@link NarrowGemm}.
 */
public final class Sgemm {
    /**
     * Below this many multiply-adds (about 0.15 ms on one core) a call stays on the calling thread: waking a pool
     * thread and joining it costs tens of microseconds, more than splitting such a call saves.
     */
    static final long PARALLEL_MIN_MACS = 1L << 23;
    /**
     * A matrix-vector product of at least this many weights (256 KiB, some 20 us of reading) is split over the threads:
     * the pool's helpers spin between calls, so handing them work costs a few microseconds, not a wake-up.
     */
    static final long SKINNY_PARALLEL_MIN_WEIGHTS = 1L << 16;
    /** Column chunks of a split matrix-vector product: a few per thread, at least this many columns each. */
    static final int SKINNY_CHUNKS_PER_THREAD = 4, SKINNY_MIN_COLUMNS = 64;

    private Sgemm() {}

    /**
     * C[m,n] = alpha * op(A)[m,k] @ op(B)[k,n] + beta * C. A is stored [m,k] (lda >= k), or [k,m] (lda >= m) when
     * transA; B is stored [k,n] (ldb >= n), or [n,k] (ldb >= k) when transB; C is [m,n] (ldc >= n). Uses up to
     * {@link Parallel#threads()} threads.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        compute(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, Parallel.threads());
    }

    /**
     * {@code batch} independent sgemm calls; operand t starts at {@code off + t*stride}. A stride of 0 shares the
     * operand across the batch (e.g. one weight matrix for every batch element); C must not overlap between items.
     * Small items run in parallel across the batch, large ones each use all threads.
     */
    public static void sgemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb,
                                    long strideB, float beta, float[] c, int cOff, int ldc, long strideC) {
        if (batch < 0) throw new IllegalArgumentException("sgemmBatched: batch must be >= 0, got " + batch);
        if (batch == 0) return;
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new IllegalArgumentException("sgemmBatched: negative stride A=" + strideA + " B=" + strideB
                    + " C=" + strideC);
        // Validate the first and last item; with non-negative strides every item in between lies inside them.
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        long last = batch - 1L;
        checkArgs(transA, transB, m, n, k, a, offset(aOff, last, strideA, "A"), lda,
                b, offset(bOff, last, strideB, "B"), ldb, c, offset(cOff, last, strideC, "C"), ldc);
        int threads = Parallel.threads();
        long macs = (long) m * n * k;
        if (batch > 1 && threads > 1 && macs < PARALLEL_MIN_MACS * threads) {
            Parallel.forEach(batch, t -> compute(transA, transB, m, n, k, alpha,
                    a, (int) (aOff + t * strideA), lda, b, (int) (bOff + t * strideB), ldb,
                    beta, c, (int) (cOff + t * strideC), ldc, 1));
        } else {
            for (int t = 0; t < batch; t++)
                compute(transA, transB, m, n, k, alpha, a, (int) (aOff + t * strideA), lda,
                        b, (int) (bOff + t * strideB), ldb, beta, c, (int) (cOff + t * strideC), ldc, threads);
        }
    }

    private static void compute(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, int threads) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        long macs = (long) m * n * k;
        if (m < MicroKernel.MR / 2) {
            // Matrix-vector shaped, bound by reading B once: worth splitting from a much smaller size than a GEMM.
            // Columns in chunks of at least SKINNY_MIN_COLUMNS. B stored [n, k] (transB) is read in whole rows, so a
            // few chunks per thread let a helper that starts late (or is descheduled) leave its share to the others;
            // B stored [k, n] is read in row segments as wide as a chunk, and one chunk per thread keeps them long
            // (on a Xeon, 2 threads read GPT-2's Conv1D weights at 22 GB/s so, at 17 with four chunks each).
            int t = (long) n * k < SKINNY_PARALLEL_MIN_WEIGHTS ? 1 : threads;
            int perThread = transB ? SKINNY_CHUNKS_PER_THREAD : 1;
            int chunks = Math.max(1, Math.min(t * perThread, n / SKINNY_MIN_COLUMNS));
            if (t == 1) chunks = 1;
            float[] rows = SkinnyGemm.rows(transA, m, k, alpha, a, aOff, lda);
            int parts = chunks;
            Parallel.forEach(parts, ch -> SkinnyGemm.run(rows, transB, m, split(n, parts, ch, 4),
                    split(n, parts, ch + 1, 4), k, b, bOff, ldb, beta, c, cOff, ldc));
            return;
        }
        int t = macs < PARALLEL_MIN_MACS ? 1 : threads;
        if (n <= NarrowGemm.MAX_N) {
            // A narrow C (a LoRA rank): read A in place rather than pack it for a mostly idle 32-wide tile.
            NarrowGemm.run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, t);
            return;
        }
        if (transA && m <= NarrowGemm.MAX_N && m >= MicroKernel.VL) {
            // Its mirror, a short C summed over the rows of both operands (a weight gradient: dA = dh^T x [r, in] in
            // LoRA's backward), as C^T. Fewer rows than a vector would idle most lanes.
            NarrowGemm.runTransposed(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, t);
            return;
        }
        BlockedGemm.run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, t);
    }

    /** Threads for a blocked product of {@code macs} multiply-adds: one below {@link #PARALLEL_MIN_MACS}, else all. */
    public static int threadsFor(long macs) { return macs < PARALLEL_MIN_MACS ? 1 : Parallel.threads(); }

    /** Boundary {@code part} of {@code parts} near-equal pieces of [0, n), on multiples of {@code align}. */
    private static int split(int n, int parts, int part, int align) {
        if (part >= parts) return n;
        long units = ceilDiv(n, align);
        return (int) Math.min(n, units * part / parts * align);
    }

    private static int ceilDiv(int x, int y) { return (x + y - 1) / y; }

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) java.util.Arrays.fill(c, row, row + n, 0f);
            else for (int j = 0; j < n; j++) c[row + j] *= beta;
        }
    }

    private static int offset(int off, long index, long stride, String name) {
        long o = off + index * stride;
        if (o > Integer.MAX_VALUE)
            throw new IllegalArgumentException("sgemmBatched: " + name + " offset " + o + " exceeds int range");
        return (int) o;
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
