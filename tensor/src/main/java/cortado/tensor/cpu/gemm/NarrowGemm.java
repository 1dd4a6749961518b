package cortado.tensor.cpu.gemm;

import cortado.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * C[m, n] = alpha * op(A) @ op(B) + beta * C for a narrow C: n of at most {@link #MAX_N} columns (a LoRA rank). These
 * are LoRA's low-rank products in training: {@code h = x A^T} ([N, in] by [in, r]), {@code dh = dz B} ([N, out] by
 * [out, r]) and {@code dB = dz^T h} ([out, N] by [N, r]). Their work is a few multiply-adds per element
 * of the big operand A, so what they cost is reading A. BlockedGemm would copy A into packed micro-panels first
 * (doubling the traffic) and run a 32-wide tile that idles half its lanes at r = 16; here A is read once, in place,
 * and only op(B), k x n and small, is packed (times alpha, each row padded to whole vectors).
 *
 * <p>Each block of {@link #RB} rows of C keeps one accumulator vector per row in registers over all of k: per k step,
 * one vector load of B and RB broadcasts of A's elements feed RB fused multiply-adds. Column strips wider than one
 * vector (r > 16 with AVX-512) run one after another over the same rows of A, which are then in L1/L2. Rows are split
 * between threads in whole blocks and every element is summed in the same order whatever the split, so the thread
 * count never changes a result.
 *
 * <p>{@link #runTransposed} serves the mirror shape, a short C ([r, in] = {@code dA = dh^T x}), as
 * {@code C^T = op(B)^T op(A)^T}.
 */
public final class NarrowGemm {
    static final VectorSpecies<Float> S = MicroKernel.S;
    static final int VL = MicroKernel.VL;
    /**
     * The widest C this path takes, two vectors (32 floats with AVX-512): LoRA ranks up to 32. At r = 64 on Zen 4 the
     * four strips were no faster than BlockedGemm on one thread and half its speed on two, whose packed A is then
     * shared by a 64-wide C.
     */
    public static final int MAX_N = 2 * VL;
    /** Rows of C per register block: 8 accumulators hide the FMA latency (4 cycles at 1-2 per cycle). */
    static final int RB = 8;
    /** Rows per block when A is stored transposed: 16 adjacent floats, a whole 64-byte line per stored row. */
    static final int RB_T = 16;
    /** Stored rows of a transposed A per pass (128 rows of a 3072-wide A: 1.5 MiB, within L2 across both threads' strips). */
    static final int KB = 128;
    /** Row blocks per thread, so a thread slowed by other processes leaves its share to the others. */
    private static final int TASKS_PER_THREAD = 4;

    /** Packed op(B) of the call in flight on this thread (helpers only read it). */
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][0]);

    private NarrowGemm() {}

    /** Arguments as {@link cortado.tensor.cpu.Sgemm#sgemm}; 1 <= n <= {@link #MAX_N}, k >= 1. */
    public static void run(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc, int threads) {
        if (n < 1 || n > MAX_N) throw new IllegalArgumentException("NarrowGemm takes 1 <= n <= " + MAX_N + ", got " + n);
        int strips = (n + VL - 1) / VL, w = strips * VL;
        float[][] holder = PACKED.get();
        if (holder[0].length < k * w) holder[0] = new float[k * w];
        float[] bp = holder[0];
        // alpha * op(B) as k rows of w floats, zero beyond column n (those lanes are computed, never stored).
        for (int p = 0; p < k; p++) {
            int row = p * w;
            for (int j = 0; j < n; j++)
                bp[row + j] = alpha * (transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
            for (int j = n; j < w; j++) bp[row + j] = 0f;
        }
        int blocks = transA ? (m + RB_T - 1) / RB_T : (m + RB - 1) / RB;
        int parts = threads <= 1 ? 1 : Math.min(blocks, threads * TASKS_PER_THREAD);
        Parallel.forEach(parts, part -> {
            float[] tile = new float[RB_T * VL];
            int b0 = (int) ((long) blocks * part / parts), b1 = (int) ((long) blocks * (part + 1) / parts);
            if (transA) columnsOfA(b0, b1, m, n, k, strips, w, a, aOff, lda, bp, beta, c, cOff, ldc, tile);
            else for (int blk = b0; blk < b1; blk++)
                rowsOfA(blk * RB, Math.min(RB, m - blk * RB), n, k, strips, w, a, aOff, lda, bp, beta, c, cOff, ldc, tile);
        });
    }

    /** Rows i0.. of C when A is row-major: each row of A is read along k, contiguous. */
    private static void rowsOfA(int i0, int mr, int n, int k, int strips, int w, float[] a, int aOff, int lda,
                                float[] bp, float beta, float[] c, int cOff, int ldc, float[] tile) {
        for (int s = 0; s < strips; s++) {
            int j0 = s * VL;
            if (mr == RB) block8(a, aOff + i0 * lda, lda, k, bp, j0, w, tile);
            else for (int r = 0; r < mr; r++) row1(a, aOff + (i0 + r) * lda, 1, k, bp, j0, w, tile, r);
            store(tile, mr, Math.min(VL, n - j0), beta, c, cOff + i0 * ldc + j0, ldc);
        }
    }

    /**
     * Row blocks b0..b1 of C when A is stored transposed ([k, m]): row i of C reads column i of the stored matrix, one
     * element per stored row, lda apart. A block of 16 such columns uses whole 64-byte lines. k is taken {@link #KB}
     * stored rows at a time and every block of the range sweeps those rows before the next chunk, so each line is
     * fetched once and the chunk's pages stay in the TLB; each chunk's sums are added into C.
     */
    private static void columnsOfA(int b0, int b1, int m, int n, int k, int strips, int w, float[] a, int aOff, int lda,
                                   float[] bp, float beta, float[] c, int cOff, int ldc, float[] tile) {
        for (int p0 = 0; p0 < k; p0 += KB) {
            int kc = Math.min(KB, k - p0);
            float b = p0 == 0 ? beta : 1f;
            for (int blk = b0; blk < b1; blk++) {
                int i0 = blk * RB_T, mr = Math.min(RB_T, m - i0);
                for (int s = 0; s < strips; s++) {
                    int j0 = s * VL, bOff = p0 * w + j0, base = aOff + p0 * lda + i0;
                    if (mr == RB_T) block16(a, base, lda, kc, bp, bOff, w, tile);
                    else for (int r = 0; r < mr; r++) row1(a, base + r, lda, kc, bp, bOff, w, tile, r);
                    store(tile, mr, Math.min(VL, n - j0), b, c, cOff + i0 * ldc + j0, ldc);
                }
            }
        }
    }

    /**
     * The same product for a short C, m <= {@link #MAX_N} rows: computes C^T = op(B)^T op(A)^T (n x m, narrow) into
     * scratch with {@link #run}, then adds it into C transposed.
     */
    public static void runTransposed(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float beta, float[] c, int cOff, int ldc, int threads) {
        float[] t = new float[n * m];
        // op(B)^T [n, k] is B read with the opposite flag, and op(A)^T [k, m] likewise.
        run(!transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, 0f, t, 0, m, threads);
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float v = t[j * m + i];
                c[row + j] = beta == 0f ? v : beta == 1f ? c[row + j] + v : Math.fma(beta, c[row + j], v);
            }
        }
    }

    /** tile[r][0..VL) = sum_p A(r, p) Bp[p] (vectors from {@code j0}, w apart) for 8 rows of A from {@code base}, lda apart. */
    private static void block8(float[] a, int base, int lda, int k, float[] bp, int j0, int w, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int p = 0, ap = base, bi = j0; p < k; p++, ap++, bi += w) {
            FloatVector bv = FloatVector.fromArray(S, bp, bi);
            c0 = FloatVector.broadcast(S, a[ap]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[ap + lda]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[ap + 2 * lda]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[ap + 3 * lda]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[ap + 4 * lda]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[ap + 5 * lda]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a[ap + 6 * lda]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a[ap + 7 * lda]).fma(bv, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, VL);
        c2.intoArray(tile, 2 * VL);
        c3.intoArray(tile, 3 * VL);
        c4.intoArray(tile, 4 * VL);
        c5.intoArray(tile, 5 * VL);
        c6.intoArray(tile, 6 * VL);
        c7.intoArray(tile, 7 * VL);
    }

    /** The same for 16 rows of C whose elements of A are adjacent (A stored transposed): A(r, p) = a[base + r + p*lda]. */
    private static void block16(float[] a, int base, int lda, int k, float[] bp, int j0, int w, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (int p = 0, ap = base, bi = j0; p < k; p++, ap += lda, bi += w) {
            FloatVector bv = FloatVector.fromArray(S, bp, bi);
            c0 = FloatVector.broadcast(S, a[ap]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[ap + 1]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[ap + 2]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[ap + 3]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[ap + 4]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[ap + 5]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a[ap + 6]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a[ap + 7]).fma(bv, c7);
            c8 = FloatVector.broadcast(S, a[ap + 8]).fma(bv, c8);
            c9 = FloatVector.broadcast(S, a[ap + 9]).fma(bv, c9);
            c10 = FloatVector.broadcast(S, a[ap + 10]).fma(bv, c10);
            c11 = FloatVector.broadcast(S, a[ap + 11]).fma(bv, c11);
            c12 = FloatVector.broadcast(S, a[ap + 12]).fma(bv, c12);
            c13 = FloatVector.broadcast(S, a[ap + 13]).fma(bv, c13);
            c14 = FloatVector.broadcast(S, a[ap + 14]).fma(bv, c14);
            c15 = FloatVector.broadcast(S, a[ap + 15]).fma(bv, c15);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, VL);
        c2.intoArray(tile, 2 * VL);
        c3.intoArray(tile, 3 * VL);
        c4.intoArray(tile, 4 * VL);
        c5.intoArray(tile, 5 * VL);
        c6.intoArray(tile, 6 * VL);
        c7.intoArray(tile, 7 * VL);
        c8.intoArray(tile, 8 * VL);
        c9.intoArray(tile, 9 * VL);
        c10.intoArray(tile, 10 * VL);
        c11.intoArray(tile, 11 * VL);
        c12.intoArray(tile, 12 * VL);
        c13.intoArray(tile, 13 * VL);
        c14.intoArray(tile, 14 * VL);
        c15.intoArray(tile, 15 * VL);
    }

    /** One row of a ragged last block, A(p) = a[base + p*ps], summed in the order the block kernels sum each row. */
    private static void row1(float[] a, int base, int ps, int k, float[] bp, int j0, int w, float[] tile, int r) {
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0, ap = base, bi = j0; p < k; p++, ap += ps, bi += w)
            acc = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, bp, bi), acc);
        acc.intoArray(tile, r * VL);
    }

    /** C[0..mr, 0..nr) = tile + beta * C (alpha is already in the packed B); beta == 0 leaves C unread. */
    private static void store(float[] tile, int mr, int nr, float beta, float[] c, int cOff, int ldc) {
        if (nr == VL) { // a whole vector: plain loads and stores
            for (int r = 0; r < mr; r++) {
                int row = cOff + r * ldc;
                FloatVector v = FloatVector.fromArray(S, tile, r * VL);
                if (beta == 1f) v = v.add(FloatVector.fromArray(S, c, row));
                else if (beta != 0f) v = FloatVector.fromArray(S, c, row).mul(beta).add(v);
                v.intoArray(c, row);
            }
            return;
        }
        VectorMask<Float> mask = S.indexInRange(0, nr);
        for (int r = 0; r < mr; r++) {
            int row = cOff + r * ldc;
            FloatVector v = FloatVector.fromArray(S, tile, r * VL);
            if (beta != 0f) v = FloatVector.fromArray(S, c, row, mask).mul(beta).add(v);
            v.intoArray(c, row, mask);
        }
    }
}
