package cortado.tensor.cpu.quant;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;

/**
 * A frozen weight matrix W [rows, cols] (nn.Linear layout: rows = out features, cols = in features) held in a
 * quantized form. The two primitives every quantized product is built from: decoding a rectangle of W into fp32
 * (a cache-sized tile, never the whole matrix) and the fused matrix-vector product that decodes as it goes.
 * {@link QuantMatmul} builds the matrix-matrix products on top of them. The CPU backend's {@link QuantizedWeight}.
 */
public interface QuantizedMatrix extends QuantizedWeight {
    @Override default Backend backend() { return Backends.cpu(); }

    /** dst[dstOff + (r - r0) * ld + (c - c0)] = W[r, c] for r in [r0, r1), c in [c0, c1). */
    void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld);

    /**
     * x[xOff ..+cols] rearranged for {@link #gemvRows} (prepared once per product, shared by every thread): the
     * 4-bit layout splits it into even and odd elements so decoded nibbles need no interleaving.
     */
    float[] gemvInput(float[] x, int xOff);

    /** y[yOff + r] = dot(W[r, :], x) for r in [r0, r1), on the calling thread; {@code xp} from {@link #gemvInput}. */
    void gemvRows(float[] xp, float[] y, int yOff, int r0, int r1);
}
