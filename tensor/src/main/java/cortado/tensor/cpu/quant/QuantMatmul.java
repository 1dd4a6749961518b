package cortado.tensor.cpu.quant;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.gemm.BlockedGemm;

/**
 * Products with a frozen quantized weight W [out, in], on raw row-major arrays:
 * <ul>
 *   <li>{@link #matmul}: Y[rows, out] = X[rows, in] @ W^T, the forward pass of a quantized Linear (prefill and
 *       training). A few rows (decoding) take the fused matrix-vector kernel, which decodes W in registers.</li>
 *   <li>{@link #matmulGradInput}: dX[rows, in] = dY[rows, out] @ W, the backward pass with respect to the input.</li>
 * </ul>
 * Matrix-matrix products decode one tile of W at a time (up to TILE_N output features x TILE_K inputs, per-thread
 * scratch) and run the register-blocked sgemm loop nest ({@link BlockedGemm}, single-threaded per strip) on it; each tile is decoded once and
 * reused by every row of X, so decoding costs O(out*in) against O(rows*out*in) multiply-adds. Threads take disjoint
 * column strips of the output, so W is decoded exactly once per call and no thread writes another's output.
 */
public final class QuantMatmul {
    /** Fewer rows than this use the fused matrix-vector kernel once per row. */
    static final int GEMV_MAX_ROWS = 4;
    /**
     * Widest decoded tile (output columns per strip), as wide as sgemm's packed B block (BlockedGemm.NC) so X is packed
     * as few times as by fp32 sgemm; narrower when that leaves fewer than two strips per thread. -Dcortado.quant.tileN.
     */
    static final int TILE_N = Integer.getInteger("cortado.quant.tileN", 1024);
    /** Depth of a decoded tile (= sgemm's KC). A full tile is TILE_N * TILE_K floats = 2 MiB per thread. */
    static final int TILE_K = 512;
    /** Below this many weights a matrix-vector product stays on the calling thread. */
    static final long PARALLEL_MIN_WEIGHTS = 1L << 16;
    /** Row chunks per thread of a split matrix-vector product. */
    static final int GEMV_CHUNKS_PER_THREAD = 4;

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[TILE_N * TILE_K]);

    private QuantMatmul() {}

    /** y[yOff ..+out] = W @ x[xOff ..+in]: one token of decoding, fused and multi-threaded over output rows. */
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
        int width = stripWidth(out);
        int strips = (out + width - 1) / width;
        Parallel.forEach(strips, s -> {
            int j0 = s * width, nb = Math.min(width, out - j0);
            float[] tile = TILE.get();
            for (int p0 = 0; p0 < in; p0 += TILE_K) {
                int kc = Math.min(TILE_K, in - p0);
                w.decode(j0, j0 + nb, p0, p0 + kc, tile, 0, kc);          // tile = W[j0.., p0..]  [nb x kc]
                BlockedGemm.run(false, true, rows, nb, kc, 1f,             // Y[:, j0..] (+)= X[:, p0..] @ tile^T
                        x, xOff + p0, in, tile, 0, kc, p0 == 0 ? 0f : 1f, y, yOff + j0, out, 1);
            }
        });
    }

    /** dX[rows, in] (at dxOff, ld in) = dY[rows, out] (at dyOff, ld out) @ W; dX is overwritten. */
    public static void matmulGradInput(QuantizedMatrix w, float[] dy, int dyOff, int rows, float[] dx, int dxOff) {
        int out = w.rows(), in = w.cols();
        checkRange("dY", dy, dyOff, (long) rows * out);
        checkRange("dX", dx, dxOff, (long) rows * in);
        if (rows == 0 || in == 0) return;
        if (out == 0) { java.util.Arrays.fill(dx, dxOff, dxOff + rows * in, 0f); return; }
        int width = stripWidth(in);
        int strips = (in + width - 1) / width;
        Parallel.forEach(strips, s -> {
            int j0 = s * width, nb = Math.min(width, in - j0);
            float[] tile = TILE.get();
            for (int p0 = 0; p0 < out; p0 += TILE_K) {
                int kc = Math.min(TILE_K, out - p0);
                w.decode(p0, p0 + kc, j0, j0 + nb, tile, 0, nb);          // tile = W[p0.., j0..]  [kc x nb]
                BlockedGemm.run(false, false, rows, nb, kc, 1f,            // dX[:, j0..] (+)= dY[:, p0..] @ tile
                        dy, dyOff + p0, out, tile, 0, nb, p0 == 0 ? 0f : 1f, dx, dxOff + j0, in, 1);
            }
        });
    }

    /** Strip width for n output columns: up to TILE_N, at least two strips per thread, a multiple of 32. */
    static int stripWidth(int n) {
        int perThread = (n + 2 * Parallel.threads() - 1) / (2 * Parallel.threads());
        return Math.max(32, Math.min(TILE_N, (perThread + 31) / 32 * 32));
    }

    private static void checkRange(String name, float[] a, int off, long len) {
        if (off < 0 || off + len > a.length)
            throw new IllegalArgumentException("quant matmul: " + name + " needs " + len + " elements at offset " + off
                    + ", array has " + a.length);
    }
}
