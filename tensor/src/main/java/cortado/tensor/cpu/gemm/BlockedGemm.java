package cortado.tensor.cpu.gemm;

import cortado.tensor.Parallel;

/**
 * The cache-blocked loop nest around the micro-kernel (BLIS's five loops, Van Zee and van de Geijn, "BLIS: A Framework
 * for Rapidly Instantiating BLAS Functionality", 2015):
 * <pre>
 *   for jc over n step NC          one B block kc x nc, packed once
 *     for pc over k step kc        (k in equal blocks of at most KC)
 *       pack op(B)[pc.., jc..]     (multi-threaded: each NR panel on first use, see SharedBBlock)
 *       for ir over m step MR      an A micro-panel MR x kc is packed per task and stays in L1
 *         pack op(A)[ir.., pc..]
 *         for jr over nc step NR   micro-kernel: MR x NR tile of C += Ap @ Bp[jr]
 * </pre>
 * With several threads a block's B panels are split into one part per thread (each part of at least a few panels),
 * so each core packs and reads its own part; A's rows are split as well only when there are more threads than such
 * parts. Tasks are taken from a counter, so a thread that starts late finds its task done by the others. Packing
 * buffers are reused across calls (A per thread, B per call in flight): a call allocates nothing after warm-up.
 */
public final class BlockedGemm {
    /**
     * Depth of a rank-kc update. The A micro-panel, MR*KC*4 = 8 KiB, stays in L1 while B micro-panels stream past it
     * from L2. Overridable with -Dcortado.sgemm.kc for other CPUs.
     */
    public static final int KC = Integer.getInteger("cortado.sgemm.kc", 256);
    /**
     * Width of the packed B block, sized so the block (KC*NC*4 bytes) takes half the core's L2 and the micro-panels
     * stream from L2 rather than L3: 1024 columns (1 MiB) with a 2 MiB L2, 512 with Zen 4's 1 MiB. Measured on a 2 MiB
     * L2 core (one JVM, each shape alternating old and new blocking, fastest of 7 calls, thread CPU time): the GPT-2
     * step's sgemms took 1.09-1.10x less time than with the earlier 512 x 1024 block (2 MiB, as large as L2: the
     * micro-kernel alone runs at ~110 GFLOP/s on such a block against ~145 on a 1 MiB one), 1.22x at B*T = 2048;
     * 1.5 and 2 MiB blocks were no faster than before. -Dcortado.sgemm.nc.
     */
    public static final int NC = Integer.getInteger("cortado.sgemm.nc", blockWidth(CacheSize.l2Bytes(), KC));
    /** The fewest B micro-panels (of NR columns) a thread's part of a block has, when there are enough. */
    private static final int MIN_PANELS_PER_PART = 4;

    /** B blocks for multi-threaded calls, one per call in flight; at most a few exist (2 MiB each). */
    private static final java.util.concurrent.ConcurrentLinkedQueue<float[]> SHARED_B =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {
            new float[MicroKernel.MR * KC], new float[KC * roundUp(NC, MicroKernel.NR)],
            new float[MicroKernel.MR * MicroKernel.NR]});

    private BlockedGemm() {}

    /**
     * C[m,n] = alpha * op(A) @ op(B) + beta * C with k >= 1, on up to {@code threads} threads. Arguments as in
     * {@link cortado.tensor.cpu.Sgemm#sgemm}.
     */
    public static void run(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc, int threads) {
        run(transA, m, n, k, alpha, a, aOff, lda, new PanelSource.Dense(transB, b, bOff, ldb), beta, c, cOff, ldc,
                threads);
    }

    /** The same product with B given by its packer (a dense matrix, or a quantized weight decoded as it is packed). */
    public static void run(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                           PanelSource b, float beta, float[] c, int cOff, int ldc, int threads) {
        // A multi-threaded call takes its shared B buffer from a pool rather than from the caller's thread-local: the
        // caller may be a pool worker that, while it waits in a join, runs another sgemm on the same thread, which
        // must not overwrite a B block the helpers are still reading. Single-threaded calls never wait, so they can
        // use the thread-local one.
        float[] bp = threads == 1 ? BUFFERS.get()[1] : takeSharedB();
        try {
            blocks(transA, m, n, k, alpha, a, aOff, lda, b, beta, c, cOff, ldc, threads, bp);
        } finally {
            if (threads > 1) SHARED_B.offer(bp);
        }
    }

    private static float[] takeSharedB() {
        float[] bp = SHARED_B.poll();
        return bp != null ? bp : new float[KC * roundUp(NC, MicroKernel.NR)];
    }

    private static void blocks(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                               PanelSource b, float beta, float[] c, int cOff, int ldc, int threads, float[] bp) {
        final int MR = MicroKernel.MR, NR = MicroKernel.NR;
        int mPanels = ceilDiv(m, MR);
        // k in equal blocks of at most KC (with KC = 512, 768 -> 384 + 384, not 512 + 256): no short block paying a full
        // C pass. Multiples of 32 keep every block's start on a quantized weight's vector step (and its 32/64 blocks).
        int kBlock = Math.min(KC, roundUp(ceilDiv(k, ceilDiv(k, KC)), 32));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), nPanels = ceilDiv(nc, NR);
            for (int pc = 0; pc < k; pc += kBlock) {
                int kc = Math.min(kBlock, k - pc);
                float betaBlock = pc == 0 ? beta : 1f; // later k-blocks accumulate onto the first one
                final int jc0 = jc, pc0 = pc;
                if (threads == 1) {
                    b.pack(pc, kc, jc, nc, 0, nPanels, bp);
                    macroKernel(transA, a, aOff, lda, 0, mPanels, m, 0, nPanels, nc, jc, pc, kc, alpha, betaBlock,
                            bp, null, c, cOff, ldc);
                    continue;
                }
                SharedBBlock shared = new SharedBBlock(b, pc, kc, jc, nc, nPanels, bp);
                // B's panels are split between the threads first, so each core packs and reads its own part of the
                // block: one block shared by all tasks made every core pull all of it from the other cores' caches
                // (lm-eval's GPT-2 task, 96-160 rows a product, ran 1.2-1.4x faster on 2 threads split this way; the
                // training step's 1024 rows and a 512-token prefill ran as fast as before). A's rows are split too
                // only when there are more threads than parts of at least MIN_PANELS_PER_PART panels.
                int nParts = Math.max(1, Math.min(threads, nPanels / MIN_PANELS_PER_PART));
                int mGroups = Math.min(mPanels, ceilDiv(threads, nParts));
                Parallel.forEach(mGroups * nParts, t -> {
                    int g = t / nParts, q = t % nParts;
                    macroKernel(transA, a, aOff, lda, mPanels * g / mGroups, mPanels * (g + 1) / mGroups, m,
                            nPanels * q / nParts, nPanels * (q + 1) / nParts, nc, jc0, pc0, kc, alpha, betaBlock,
                            bp, shared, c, cOff, ldc);
                });
            }
        }
    }

    /**
     * A micro-panels [ir0, ir1) times packed B panels [q0, q1) of the block at (jc, pc), into C. Runs on one thread
     * with that thread's A buffer. With {@code shared} non-null, B panels are made ready through it on first use.
     */
    private static void macroKernel(boolean transA, float[] a, int aOff, int lda, int ir0, int ir1, int m,
                                    int q0, int q1, int nc, int jc, int pc, int kc, float alpha, float beta,
                                    float[] bp, SharedBBlock shared, float[] c, int cOff, int ldc) {
        final int MR = MicroKernel.MR, NR = MicroKernel.NR;
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0], tile = buf[2];
        for (int ip = ir0; ip < ir1; ip++) {
            int ir = ip * MR, mr = Math.min(MR, m - ir);
            Packing.packA(transA, a, aOff, lda, ir, mr, pc, kc, ap);
            int cRow = cOff + ir * ldc + jc;
            for (int q = q0; q < q1; q++) {
                if (shared != null && ip == ir0) shared.ensure(q); // later rows of this task find it ready
                int jr = q * NR;
                MicroKernel.run(kc, ap, bp, q * kc * NR, c, cRow + jr, ldc, mr, Math.min(NR, nc - jr),
                        alpha, beta, tile);
            }
        }
    }

    /** Columns of a B block of depth {@code kc} filling half of {@code l2} bytes, on NR multiples, in [4 NR, 4096]. */
    static int blockWidth(long l2, int kc) {
        final int NR = MicroKernel.NR;
        long cols = l2 / 2 / ((long) Math.max(1, kc) * Float.BYTES) / NR * NR;
        return (int) Math.max(4L * NR, Math.min(4096, cols));
    }

    static int roundUp(int x, int to) { return (x + to - 1) / to * to; }

    private static int ceilDiv(int x, int y) { return (x + y - 1) / y; }
}
