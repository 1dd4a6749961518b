package cortado.tensor.cpu.gemm;

import jdk.incubator.vector.FloatVector;

/**
 * Packs blocks of op(A) and op(B) into the contiguous layouts the micro-kernel streams through (Goto and van de Geijn,
 * "Anatomy of High-Performance Matrix Multiplication", 2008, section 5). All four transpose combinations are resolved
 * here, so the micro-kernel sees one layout:
 * <ul>
 *   <li>A micro-panel: {@code mr} rows x {@code kc}, stored k-major: {@code ap[p*MR + r] = op(A)[i0+r, p0+p]}; rows
 *       beyond {@code mr} are zero, so the kernel always computes MR rows.
 *   <li>B block: {@code kc} x {@code nc} cut into NR-wide column panels; panel q holds
 *       {@code bp[q*kc*NR + p*NR + j] = op(B)[p0+p, j0+q*NR+j]}; columns beyond {@code nc} are zero.
 * </ul>
 */
public final class Packing {
    /** Strip height, in values of k, of the transposing copies. */
    private static final int PT = 16;

    private Packing() {}

    /** Packs op(A)[i0 .. i0+mr, p0 .. p0+kc] into {@code ap} (MR*kc floats). */
    public static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mr, int p0, int kc, float[] ap) {
        final int MR = MicroKernel.MR;
        if (transA) {
            // A is stored [k, m]: the MR values for one p are contiguous in memory.
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0, dst = p * MR;
                System.arraycopy(a, src, ap, dst, mr);
                for (int r = mr; r < MR; r++) ap[dst + r] = 0f;
            }
        } else {
            // A is stored [m, k]: read each row contiguously, write with stride MR (the buffer is L1-resident).
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + r) * lda + p0;
                for (int p = 0; p < kc; p++) ap[p * MR + r] = a[src + p];
            }
            for (int r = mr; r < MR; r++)
                for (int p = 0; p < kc; p++) ap[p * MR + r] = 0f;
        }
    }

    /**
     * Packs NR-wide panels [q0, q1) of op(B)[p0 .. p0+kc, j0 .. j0+nc] into {@code bp} (the whole block takes
     * kc * roundUp(nc, NR) floats); disjoint panel ranges can be packed by different threads.
     */
    public static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                             int q0, int q1, float[] bp) {
        final int NR = MicroKernel.NR, VL = MicroKernel.VL;
        for (int q = q0; q < q1; q++) {
            int jr = q * NR;
            int nr = Math.min(NR, nc - jr);
            int panel = q * kc * NR;
            if (!transB) {
                // B is stored [k, n]: one packed row of a panel is NR contiguous floats of a row of B.
                if (nr == NR) {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + jr, dst = panel + p * NR;
                        for (int v = 0; v < NR; v += VL)
                            FloatVector.fromArray(MicroKernel.S, b, src + v).intoArray(bp, dst + v);
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + jr, dst = panel + p * NR;
                        System.arraycopy(b, src, bp, dst, nr);
                        for (int j = nr; j < NR; j++) bp[dst + j] = 0f;
                    }
                }
            } else {
                // B is stored [n, k]: each column of op(B) is a contiguous row of B, so this is a transpose. It goes
                // in strips of PT values of k: the PT packed rows being filled (PT*NR floats) stay in L1 while the nr
                // source rows are read PT floats at a time.
                for (int p = 0; p < kc; p += PT) {
                    int pe = Math.min(kc, p + PT);
                    for (int j = 0; j < nr; j++) {
                        int src = bOff + (j0 + jr + j) * ldb + p0, dst = panel + j;
                        for (int pp = p; pp < pe; pp++) bp[dst + pp * NR] = b[src + pp];
                    }
                }
                for (int j = nr; j < NR; j++)
                    for (int p = 0; p < kc; p++) bp[panel + p * NR + j] = 0f;
            }
        }
    }
}
