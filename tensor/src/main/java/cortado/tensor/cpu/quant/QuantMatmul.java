package cortado.tensor.cpu.quant;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.gemm.BlockedGemm;

/**
 * Products with a frozen quantized weight W [out, in], on raw row-major arrays:
 * <ul>
 *   <li>{@link #matmul}: Y[rows, out] = X[rows, in] @ W^T, the forward pass of a quantized Linear (prefill and
 *       training). A few rows (decoding) take the fused matrix-vector kernel, which decodes W in registers.</li>
 *   <li>{@link #matmulGradInput}: dX[rows, in] = dY[rows, out] @ W, the backward pass with respect to the input.</li>
 * </ul>
 * Matrix-matrix products are fp32 sgemm's loop nest ({@link BlockedGemm}) with W as its B operand, decoded straight into
 * the packed panels ({@link QuantizedPanels}): each panel once per call, shared by the threads, reused by every row of
 * X, so decoding costs O(out*in) against O(rows*out*in) multiply-adds and no fp32 copy of W exists.
 */
public final class QuantMatmul {
    /** Fewer rows than this use the fused matrix-vector kernel once per row. */
    static final int GEMV_MAX_ROWS = 4;
    /** Below this many weights a matrix-vector product stays on the calling thread. */
    static final long PARALLEL_MIN_WEIGHTS = 1L << 16;
    /** Row chunks per thread of a split matrix-vector product. */
    static final int GEMV_CHUNKS_PER_THREAD = 4;

    private QuantMatmul() {}

    /**
     * y[yOff ..+out] = W @ x[xOff ..+in]: one token of decoding, fused and multi-threaded over output rows. The
     * kernels' passes take their rows from the quarters (or halves) of a chunk, not four neighbouring rows: four long
     * sequential streams keep the hardware prefetchers ahead where neighbouring rows make one stream of short runs
     * (bf16 GPT-2 124M on a Xeon: 9.4 -> 11.1 GB/s on 1 thread, 15.6 -> 19.4 on 2; bench DecodeMatvecsMain). Each
     * row is still one chain over its columns, so which rows share a pass never changes a result.
     */
    public static void gemv(QuantizedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        int out = w.rows();
        checkRange("x", x, xOff, w.cols());
        checkRange("y", y, yOff, out);
        float[] xp = w.gemvInput(x, xOff);
        if ((long) out * w.cols() < PARALLEL_MIN_WEIGHTS || Parallel.threads() == 1) {
            w.gemvRows(xp, y, yOff, 0, out);
            return;
        }
        // A few chunks per thread (taken from a counter), so a helper that starts late or is descheduled on a shared
        // machine leaves its share to the others; more would only add hand-offs (each a few microseconds).
        int chunks = Math.max(1, Math.min(out / 16, GEMV_CHUNKS_PER_THREAD * Parallel.threads()));
        // Boundaries on multiples of 4 keep the four-row kernel's passes whole.
        Parallel.forEach(chunks, ch -> w.gemvRows(xp, y, yOff,
                (int) ((long) out * ch / chunks) & ~3, ch == chunks - 1 ? out : (int) ((long) out * (ch + 1) / chunks) & ~3));
    }

    /** Y[rows, out] (at yOff, ld out) = X[rows, in] (at xOff, ld in) @ W^T; Y is overwritten. */
    public static void matmul(QuantizedMatrix w, float[] x, int xOff, int rows, float[] y, int yOff) {
        int out = w.rows(), in = w.cols();
        checkRange("X", x, xOff, (long) rows * in);
        checkRange("Y", y, yOff, (long) rows * out);
        if (rows == 0 || out == 0) return;
        if (in == 0) { java.util.Arrays.fill(y, yOff, yOff + rows * out, 0f); return; }
        if (rows < GEMV_MAX_ROWS) {
            for (int i = 0; i < rows; i++) gemv(w, x, xOff + i * in, y, yOff + i * out);
            return;
        }
        BlockedGemm.run(false, rows, out, in, 1f, x, xOff, in, new QuantizedPanels(w, true), 0f, y, yOff, out,
                Sgemm.threadsFor((long) rows * out * in));
    }

    /** dX[rows, in] (at dxOff, ld in) = dY[rows, out] (at dyOff, ld out) @ W; dX is overwritten. */
    public static void matmulGradInput(QuantizedMatrix w, float[] dy, int dyOff, int rows, float[] dx, int dxOff) {
        int out = w.rows(), in = w.cols();
        checkRange("dY", dy, dyOff, (long) rows * out);
        checkRange("dX", dx, dxOff, (long) rows * in);
        if (rows == 0 || in == 0) return;
        if (out == 0) { java.util.Arrays.fill(dx, dxOff, dxOff + rows * in, 0f); return; }
        BlockedGemm.run(false, rows, in, out, 1f, dy, dyOff, out, new QuantizedPanels(w, false), 0f, dx, dxOff, in,
                Sgemm.threadsFor((long) rows * out * in));
    }

    private static void checkRange(String name, float[] a, int off, long len) {
        if (off < 0 || off + len > a.length)
            throw new IllegalArgumentException("quant matmul: " + name + " needs " + len + " elements at offset " + off
                    + ", array has " + a.length);
    }
}
