package cortado.tensor.cpu.gemm;

/**
 * The cache-blocked loop nest around the micro-kernel for one rectangle of C, run by one thread (BLIS's five loops,
 * Van Zee and van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", 2015):
 * <pre>
 *   for jc over n step NC          B block kc x nc is packed once and stays in L2 (KC*NC*4 = 512 KiB)
 *     for pc over k step KC
 *       pack op(B)[pc.., jc..]
 *       for ir over m step MR      A micro-panel MR x kc is packed and stays in L1 (8 KiB)
 *         pack op(A)[ir.., pc..]
 *         for jr over nc step NR   micro-kernel: MR x NR tile of C += Ap @ Bp[jr]
 * </pre>
 * Packing buffers are per thread and reused across calls, so a call allocates nothing after warm-up.
 */
public final class BlockedGemm {
    /**
     * Depth of a rank-kc update: the A micro-panel (MR*KC*4 = 8 KiB) sits in L1 beside the streaming B panel.
     * Overridable with -Dcortado.sgemm.kc for tuning on other CPUs.
     */
    public static final int KC = Integer.getInteger("cortado.sgemm.kc", 512);
    /** Width of the packed B block; KC*NC floats = 512 KiB, half of a 1 MiB L2 (-Dcortado.sgemm.nc). */
    public static final int NC = Integer.getInteger("cortado.sgemm.nc", 1024);

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {
            new float[MicroKernel.MR * KC], new float[KC * roundUp(NC, MicroKernel.NR)],
            new float[MicroKernel.MR * MicroKernel.NR]});

    private BlockedGemm() {}

    /**
     * C[i0..i1, j0..j1] = alpha * op(A)[i0..i1, :] @ op(B)[:, j0..j1] + beta * C, with k >= 1. Arguments as in
     * {@link cortado.tensor.cpu.Sgemm#sgemm}.
     */
    public static void run(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
        final int MR = MicroKernel.MR, NR = MicroKernel.NR;
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0], bp = buf[1], tile = buf[2];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaBlock = pc == 0 ? beta : 1f; // later k-blocks accumulate onto the first one
                Packing.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ir = i0; ir < i1; ir += MR) {
                    int mr = Math.min(MR, i1 - ir);
                    Packing.packA(transA, a, aOff, lda, ir, mr, pc, kc, ap);
                    int cRow = cOff + ir * ldc + jc;
                    for (int jr = 0, panel = 0; jr < nc; jr += NR, panel += kc * NR) {
                        MicroKernel.run(kc, ap, bp, panel, c, cRow + jr, ldc, mr, Math.min(NR, nc - jr),
                                alpha, betaBlock, tile);
                    }
                }
            }
        }
    }

    static int roundUp(int x, int to) { return (x + to - 1) / to * to; }
}
