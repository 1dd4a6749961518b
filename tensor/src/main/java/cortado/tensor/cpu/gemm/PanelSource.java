package cortado.tensor.cpu.gemm;

/**
 * The B operand of a blocked product, seen only through its packer: it writes NR-wide panels [q0, q1) of
 * op(B)[p0 .. p0+kc, j0 .. j0+nc] into {@code bp} in {@link Packing}'s layout ({@code bp[q*kc*NR + p*NR + j]},
 * columns beyond {@code nc} zero). A dense fp32 matrix copies ({@link Dense}); a quantized weight decodes straight
 * into the panels, so the same loop nest, threading and micro-kernel serve both and no fp32 copy of the weight is made.
 *
 * <p>Implementations are called concurrently for disjoint panel ranges of one block.
 */
public interface PanelSource {
    void pack(int p0, int kc, int j0, int nc, int q0, int q1, float[] bp);

    /** A row-major fp32 B: stored [k, n] (ld >= n), or [n, k] (ld >= k) when {@code transB}. */
    record Dense(boolean transB, float[] b, int bOff, int ldb) implements PanelSource {
        @Override
        public void pack(int p0, int kc, int j0, int nc, int q0, int q1, float[] bp) {
            Packing.packB(transB, b, bOff, ldb, p0, kc, j0, nc, q0, q1, bp);
        }
    }
}
