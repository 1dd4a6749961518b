package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.gemm.NarrowGemm;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sgemm against a naive triple loop accumulated in double. Tolerance: each output is a k-term float dot product, whose
 * rounding error is bounded by about k * 2^-24 * sum|a_ip * b_pj| (Higham, Accuracy and Stability, 3.1); we allow
 * 4 * k * eps * sum|terms| + 1e-6 per element, which a real bug (wrong index, missed tail, lost beta) exceeds by far.
 */
class SgemmTest {
    private static final int THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(THREADS); }

    /** Column-major-free reference: C = alpha*op(A)op(B) + beta*C in double; also returns the error bound per element. */
    private static double[][] reference(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff,
                                        int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        double[] out = new double[m * n], bound = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += x * y;
                    abs += Math.abs(x * y);
                }
                double prev = beta == 0f ? 0 : (double) beta * c[cOff + i * ldc + j];
                out[i * n + j] = alpha * s + prev;
                bound[i * n + j] = 4.0 * (k + 2) * 0x1p-24 * (Math.abs(alpha) * abs + Math.abs(prev)) + 1e-6;
            }
        return new double[][] {out, bound};
    }

    private static float[] random(Random r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (r.nextGaussian());
        return x;
    }

    /** Runs one case with padding around every matrix (offsets, ld > cols) and checks C, including untouched padding. */
    private static void check(boolean tA, boolean tB, int m, int n, int k, float alpha, float beta, int pad, long seed) {
        Random r = new Random(seed);
        int aRows = tA ? k : m, aCols = tA ? m : k, bRows = tB ? n : k, bCols = tB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        int aOff = pad * 3, bOff = pad * 5, cOff = pad * 7;
        float[] a = random(r, aOff + Math.max(0, aRows * lda) + pad);
        float[] b = random(r, bOff + Math.max(0, bRows * ldb) + pad);
        float[] c = random(r, cOff + Math.max(0, m * ldc) + pad);
        if (beta == 0f) for (int i = 0; i < m; i++) c[cOff + i * ldc] = Float.NaN; // beta=0 must not read C
        float[] before = c.clone();
        double[][] ref = reference(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        Sgemm.sgemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String tag = "tA=" + tA + " tB=" + tB + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta
                + " pad=" + pad + " threads=" + Parallel.threads();
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            int i = rel >= 0 ? rel / ldc : -1, j = rel >= 0 ? rel % ldc : -1;
            boolean inside = rel >= 0 && i < m && j < n;
            if (inside) {
                double want = ref[0][i * n + j], tol = ref[1][i * n + j];
                if (!(Math.abs(c[idx] - want) <= tol)) // plain compare first: AssertJ per element is slow
                    assertThat((double) c[idx]).as("%s C[%d,%d]", tag, i, j).isCloseTo(want, offset(tol));
            } else if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(before[idx])) {
                assertThat(c[idx]).as("%s padding at %d changed", tag, idx).isEqualTo(before[idx]);
            }
        }
    }

    private static final int[][] SHAPES = {
            {1, 1, 1}, {7, 7, 7}, {33, 33, 33}, {129, 65, 257}, {1, 300, 17}, {300, 1, 17}, {5, 9, 0},
            {64, 64, 64}, {17, 100, 513}, {96, 130, 40}};

    @Test
    void allTransposesOddShapesOneThread() {
        Parallel.setThreads(1);
        allTransposes();
    }

    @Test
    void allTransposesOddShapesAllThreads() {
        Parallel.setThreads(Math.max(2, THREADS));
        allTransposes();
    }

    private static void allTransposes() {
        long seed = 1;
        for (int[] s : SHAPES)
            for (int t = 0; t < 4; t++)
                check((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0, seed++);
    }

    @Test
    void alphaBetaOffsetsAndLeadingDimensions() {
        long seed = 100;
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
            check(tA, tB, 33, 47, 29, 0.5f, 1f, 3, seed++);
            check(tA, tB, 129, 65, 257, -1.25f, 0.75f, 5, seed++);
            check(tA, tB, 8, 40, 16, 2f, 0f, 1, seed++);
            check(tA, tB, 20, 20, 20, 0f, 2f, 2, seed++); // alpha=0: C = beta*C
        }
    }

    @Test
    void largerThanOneBlock() {
        // Crosses every block boundary (KC, NC, micro-tiles) with ragged edges; on 2 threads both ways of splitting C.
        Parallel.setThreads(1);
        check(false, false, 37, 523, 611, 1f, 0.5f, 1, 7);
        check(true, true, 45, 300, 530, 1f, 0f, 0, 8);
        check(false, true, 19, 1100, 530, 1f, 0.5f, 1, 11); // n crosses NC and k crosses KC on one thread
        check(true, false, 37, 70, 600, -0.75f, 0.5f, 1, 12); // alpha on every k-block, beta on the first only
        Parallel.setThreads(Math.max(2, THREADS));
        check(true, false, 523, 101, 611, 1f, 0f, 2, 9);    // narrow C: threads split m
        check(false, true, 41, 1031, 300, 1f, 0f, 0, 10);   // wide C: threads split n
    }

    @Test
    void fewRowsMatrixVectorPath() {
        // m below the micro-kernel height goes through the matrix-vector path; big enough to be split over threads.
        assertThat(3L * 4099 * 700).isGreaterThanOrEqualTo(Sgemm.PARALLEL_MIN_MACS);
        for (int threads : new int[] {1, Math.max(2, THREADS)}) {
            Parallel.setThreads(threads);
            long seed = 20;
            for (int t = 0; t < 4; t++) {
                boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                check(tA, tB, 3, 4099, 700, 1f, 0f, 1, seed++); // above Sgemm.PARALLEL_MIN_MACS: split
                check(tA, tB, 1, 1500, 777, 0.5f, 2f, 0, seed++);
            }
        }
    }

    @Test
    void narrowAndShortPaths() {
        // C of at most NarrowGemm.MAX_N columns (LoRA's h = x A^T, dh = dz B, dB = dz^T h), ragged in both directions,
        // k across NarrowGemm.KB for a transposed A; and a short C summed over rows (dA = dh^T x, transA) on the
        // transposed route. Both thread counts, alpha, beta and padding.
        assertThat(NarrowGemm.MAX_N).isGreaterThanOrEqualTo(16);
        for (int threads : new int[] {1, Math.max(2, THREADS)}) {
            Parallel.setThreads(threads);
            long seed = 300;
            for (int t = 0; t < 4; t++) {
                boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
                check(tA, tB, 1037, 16, 300, 1f, 0f, 0, seed++);            // r = 16, rows not a whole block
                check(tA, tB, 523, 5, 777, 0.5f, 1f, 3, seed++);            // r below a vector, beta 1
                check(tA, tB, 300, NarrowGemm.MAX_N, 129, -1.5f, 0.25f, 1, seed++); // two strips
                check(tA, tB, 45, 17, 2000, 1f, 0f, 2, seed++);             // a ragged second strip, long k
            }
            check(true, false, 16, 768, 1024, 1f, 0f, 0, seed++);           // dA = dh^T x at r = 16
            check(true, false, 29, 301, 333, 0.5f, 1f, 2, seed++);          // ragged short C, beta 1
            check(true, true, NarrowGemm.MAX_N, 130, 257, 1f, -0.5f, 1, seed++);
        }
    }

    @Test
    void narrowPathsDoNotDependOnTheThreadCount() {
        Random r = new Random(5);
        int m = 1037, n = 16, k = 1500;
        float[] a = random(r, m * k), b = random(r, k * n);
        float[][] out = new float[2][];
        for (int pass = 0; pass < 2; pass++) {
            Parallel.setThreads(pass == 0 ? 1 : Math.max(2, THREADS));
            float[] c1 = new float[m * n], c2 = new float[n * n], c3 = new float[n * m];
            Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n);
            Sgemm.sgemm(true, false, n, n, m, 1f, b, 0, n, a, 0, n, 0f, c2, 0, n); // [k, n] as a transposed A
            Sgemm.sgemm(true, false, n, m, k, 1f, b, 0, n, a, 0, m, 0f, c3, 0, m); // a short C
            float[] all = java.util.Arrays.copyOf(c1, c1.length + c2.length + c3.length);
            System.arraycopy(c2, 0, all, c1.length, c2.length);
            System.arraycopy(c3, 0, all, c1.length + c2.length, c3.length);
            out[pass] = all;
        }
        assertThat(out[1]).as("bits on 2 threads equal 1 thread's").isEqualTo(out[0]);
    }

    @Test
    void matrixVectorPathDoesNotDependOnTheThreadCount() {
        // One decoded token (m = 1) and a few rows, B stored both ways, k not a multiple of the four rows of B that
        // a pass of the [k, n] kernel reads, n split into chunks of different widths by 1 and 2 threads.
        Random r = new Random(6);
        int n = 2305, k = 771;
        float[] b = random(r, n * k), x = random(r, 3 * k);
        for (int m : new int[] {1, 3}) {
            for (boolean tB : new boolean[] {false, true}) {
                float[][] out = new float[2][];
                for (int pass = 0; pass < 2; pass++) {
                    Parallel.setThreads(pass == 0 ? 1 : Math.max(2, THREADS));
                    out[pass] = new float[m * n];
                    Sgemm.sgemm(false, tB, m, n, k, 1f, x, 0, k, b, 0, tB ? k : n, 0f, out[pass], 0, n);
                }
                assertThat(out[1]).as("m=%d transB=%s: bits on 2 threads equal 1 thread's", m, tB).isEqualTo(out[0]);
            }
        }
    }

    @Test
    void concurrentAndNestedCalls() throws Exception {
        // Several multi-threaded calls at once, from plain threads and from inside Parallel bodies (a caller that is
        // itself a pool worker): each must keep its own packed blocks.
        Parallel.setThreads(Math.max(2, THREADS));
        int m = 67, n = 301, k = 530; // crosses KC, so packed B is reused across blocks
        Random r = new Random(5);
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] want = new float[m * n];
        double[][] ref = reference(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, want, 0, n);
        float[][] outs = new float[8][m * n];
        Thread[] plain = new Thread[2];
        for (int t = 0; t < plain.length; t++) {
            int id = t;
            plain[t] = new Thread(() -> Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, outs[id], 0, n));
            plain[t].start();
        }
        Parallel.forEach(6, t -> Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, outs[2 + t], 0, n));
        for (Thread t : plain) t.join();
        for (int o = 0; o < outs.length; o++)
            for (int e = 0; e < m * n; e++)
                if (!(Math.abs(outs[o][e] - ref[0][e]) <= ref[1][e]))
                    assertThat((double) outs[o][e]).as("call %d elem %d", o, e).isCloseTo(ref[0][e], offset(ref[1][e]));
    }

    @Test
    void batchedWithSharedOperand() {
        Random r = new Random(42);
        int batch = 3, m = 13, n = 21, k = 34;
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
            int lda = tA ? m : k, ldb = tB ? k : n;
            float[] a = random(r, 2 + batch * m * k);           // A per batch element
            float[] b = random(r, 1 + k * n);                   // B shared: stride 0
            float[] c = new float[batch * m * n + 4];
            Sgemm.sgemmBatched(batch, tA, tB, m, n, k, 1f, a, 2, lda, (long) m * k, b, 1, ldb, 0L,
                    0f, c, 4, n, (long) m * n);
            for (int bi = 0; bi < batch; bi++) {
                float[] expect = new float[m * n];
                Sgemm.sgemm(tA, tB, m, n, k, 1f, a, 2 + bi * m * k, lda, b, 1, ldb, 0f, expect, 0, n);
                double[][] ref = reference(tA, tB, m, n, k, 1f, a, 2 + bi * m * k, lda, b, 1, ldb, 0f, expect, 0, n);
                for (int e = 0; e < m * n; e++)
                    assertThat((double) c[4 + bi * m * n + e]).as("batch %d elem %d tA=%s tB=%s", bi, e, tA, tB)
                            .isCloseTo(ref[0][e], offset(ref[1][e]));
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] x = new float[8];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 3, 3, 3, 1f, x, 0, 3, x, 0, 3, 0f, x, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, x, 0, 1, x, 0, 2, 0f, x, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }
}
