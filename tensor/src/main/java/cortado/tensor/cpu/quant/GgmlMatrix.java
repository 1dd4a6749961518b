package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;
import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix W [rows, cols] in one of ggml's block formats, its bytes exactly as a GGUF file stores them: each row is
 * {@code cols / blockValues} consecutive blocks. Subclasses say how one block decodes ({@link #decodeBlock}); the
 * products never widen W: the matrix-vector kernel decodes one row's blocks into a row-sized scratch on the calling
 * thread and multiplies it at once, and the matrix-matrix products ({@link QuantMatmul}) decode cache-sized tiles.
 * Unlike llama.cpp's CPU path, the activations stay fp32 (llama.cpp quantizes them to 8 bits for its dot products).
 */
public abstract sealed class GgmlMatrix implements QuantizedMatrix permits Q8_0Matrix, Q4_0Matrix, Q5_0Matrix,
        Q5_1Matrix, Q4KMatrix, Q5KMatrix, Q6KMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    protected final byte[] data;
    private final int rows, cols;
    private final GgmlType type;
    /** Blocks per row. */
    protected final int blocks;

    protected GgmlMatrix(GgmlType type, byte[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols > Integer.MAX_VALUE)
            throw new IllegalArgumentException("bad " + type + " matrix shape [" + rows + ", " + cols + "]");
        if (cols % type.blockValues != 0)
            throw new IllegalArgumentException(type + " rows hold whole blocks of " + type.blockValues
                    + " values; a row of " + cols + " does not");
        long need = (long) rows * (cols / type.blockValues) * type.blockBytes;
        if (data.length != need)
            throw new IllegalArgumentException(type + " matrix [" + rows + ", " + cols + "] needs " + need
                    + " bytes, got " + data.length);
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / type.blockValues;
    }

    /** The matrix of {@code type} over {@code data} (handed over, not copied). */
    public static GgmlMatrix of(GgmlType type, byte[] data, int rows, int cols) {
        return switch (type) {
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case Q4_K -> new Q4KMatrix(data, rows, cols);
            case Q5_K -> new Q5KMatrix(data, rows, cols);
            case Q6_K -> new Q6KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException(type + " is not a block-quantized ggml type");
        };
    }

    public final GgmlType type() { return type; }

    /** The blocks, row-major, as the file stores them; shared, not copied. */
    public final byte[] bytes() { return data; }

    @Override public final int rows() { return rows; }

    @Override public final int cols() { return cols; }

    /** Decodes block {@code b} (counted over the whole matrix, row-major) into {@code dst[off ..+blockValues]}. */
    protected abstract void decodeBlock(int b, float[] dst, int off);

    /** An fp16 value stored little-endian at {@code data[o]}. */
    protected final float f16(int o) { return Float.float16ToFloat((short) ((data[o] & 0xff) | data[o + 1] << 8)); }

    /** Row {@code r} decoded into {@code dst[off ..+cols]}. */
    public final void decodeRow(int r, float[] dst, int off) {
        int bv = type.blockValues;
        for (int b = 0; b < blocks; b++) decodeBlock(r * blocks + b, dst, off + b * bv);
    }

    @Override
    public void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld) {
        int bv = type.blockValues, b0 = c0 / bv, b1 = (c1 + bv - 1) / bv;
        float[] block = null; // only a partly covered block needs scratch
        for (int r = r0; r < r1; r++) {
            int out = dstOff + (r - r0) * ld;
            for (int b = b0; b < b1; b++) {
                int from = Math.max(c0, b * bv), to = Math.min(c1, (b + 1) * bv);
                if (from == b * bv && to == (b + 1) * bv) {
                    decodeBlock(r * blocks + b, dst, out + from - c0);
                } else {
                    if (block == null) block = new float[bv];
                    decodeBlock(r * blocks + b, block, 0);
                    System.arraycopy(block, from - b * bv, dst, out + from - c0, to - from);
                }
            }
        }
    }

    @Override
    public float[] gemvInput(float[] x, int xOff) { return java.util.Arrays.copyOfRange(x, xOff, xOff + cols); }

    @Override
    public void gemvRows(float[] x, float[] y, int yOff, int r0, int r1) {
        float[] row = ROW.get();
        if (row.length < cols) ROW.set(row = new float[cols]);
        for (int r = r0; r < r1; r++) {
            decodeRow(r, row, 0);
            y[yOff + r] = dot(row, x, cols);
        }
    }

    /** The dot product of a[0..n) and b[0..n), lanes summed in a fixed order. */
    static float dot(float[] a, float[] b, int n) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c + VL <= n; c += VL) acc = FloatVector.fromArray(S, a, c).fma(FloatVector.fromArray(S, b, c), acc);
        float s = Lanes.sum(acc);
        for (; c < n; c++) s = Math.fma(a[c], b[c], s);
        return s;
    }
}
