package cortado.tensor.cpu.quant;

import cortado.tensor.cpu.gemm.MicroKernel;
import cortado.tensor.cpu.gemm.PanelSource;

/**
 * A quantized weight W [out, in] as the B operand of sgemm's loop nest, decoded panel by panel straight into the packed
 * layout: each NR x kc panel is decoded once per product and then streamed past every row of the other operand, so
 * decoding costs O(out*in) against O(rows*out*in) multiply-adds, and the product runs on fp32 sgemm's multi-threaded
 * blocking (shared B block, rows of A split between threads) rather than on a loop nest of its own.
 * <ul>
 *   <li>{@code transposed}: op(B) = W^T [in, out], the forward pass Y = X @ W^T. A panel holds NR output features
 *       (rows of W) by kc inputs: decoded row by row into scratch, then transposed into the panel.</li>
 *   <li>otherwise op(B) = W [out, in], the input gradient dX = dY @ W. A panel is W[p0.., j..j+NR] itself, row-major
 *       with leading dimension NR, so it is decoded in place.</li>
 * </ul>
 */
record QuantizedPanels(QuantizedMatrix w, boolean transposed) implements PanelSource {
    private static final int PT = 16;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    @Override
    public void pack(int p0, int kc, int j0, int nc, int q0, int q1, float[] bp) {
        final int NR = MicroKernel.NR;
        for (int q = q0; q < q1; q++) {
            int j = j0 + q * NR, nr = Math.min(NR, nc - q * NR), panel = q * kc * NR;
            if (transposed) {
                float[] rows = scratch(nr * kc);
                w.decode(j, j + nr, p0, p0 + kc, rows, 0, kc); // rows[r*kc + p] = W[j + r, p0 + p]
                // In strips of PT values of k, as Packing's transposing copy: the strip's packed rows stay in L1.
                for (int p = 0; p < kc; p += PT) {
                    int pe = Math.min(kc, p + PT);
                    for (int r = 0; r < nr; r++)
                        for (int pp = p; pp < pe; pp++) bp[panel + pp * NR + r] = rows[r * kc + pp];
                }
                if (nr < NR)
                    for (int p = 0; p < kc; p++) java.util.Arrays.fill(bp, panel + p * NR + nr, panel + (p + 1) * NR, 0f);
            } else {
                w.decode(p0, p0 + kc, j, j + nr, bp, panel, NR);
                if (nr < NR)
                    for (int p = 0; p < kc; p++) java.util.Arrays.fill(bp, panel + p * NR + nr, panel + (p + 1) * NR, 0f);
            }
        }
    }

    private static float[] scratch(int n) {
        float[][] s = SCRATCH.get();
        if (s[0].length < n) s[0] = new float[n];
        return s[0];
    }
}
