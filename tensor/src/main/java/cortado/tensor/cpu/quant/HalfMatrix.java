package cortado.tensor.cpu.quant;

import cortado.tensor.DType;

/**
 * A {@link QuantizedMatrix} whose weights are 16-bit floats kept as their bits ({@link Bf16Matrix}, {@link F16Matrix}):
 * what {@link cortado.tensor.Backend#weight16bit} makes on the CPU. Its bits can be read back unchanged, so a model
 * loaded in bf16 saves in bf16.
 */
public sealed interface HalfMatrix extends QuantizedMatrix permits Bf16Matrix, F16Matrix {
    /** BF16 or F16. */
    DType dtype();

    /** The weights' bits, row-major [rows, cols]; shared, not copied. */
    short[] bits();

    /** A matrix of {@code dtype} over {@code bits}. */
    static HalfMatrix of(DType dtype, short[] bits, int rows, int cols) {
        return switch (dtype) {
            case BF16 -> new Bf16Matrix(bits, rows, cols);
            case F16 -> new F16Matrix(bits, rows, cols);
            default -> throw new IllegalArgumentException("a 16-bit weight is BF16 or F16, not " + dtype);
        };
    }

    static void checkShape(String kind, short[] bits, int rows, int cols) {
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0 || n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("bad " + kind + " matrix shape [" + rows + ", " + cols + "]");
        if (bits.length != n)
            throw new IllegalArgumentException(kind + " matrix [" + rows + ", " + cols + "] needs " + n
                    + " values, got " + bits.length);
    }

    /**
     * x[xOff ..+cols] as its even elements then its odd ones (when {@code split}), matching the (even, odd) pairs the
     * 16-bit matrix-vector kernels widen from one load; otherwise a plain copy.
     */
    static float[] evenOdd(float[] x, int xOff, int cols, boolean split) {
        float[] xs = new float[cols];
        if (!split) {
            System.arraycopy(x, xOff, xs, 0, cols);
            return xs;
        }
        int half = cols / 2;
        for (int j = 0; j < half; j++) {
            xs[j] = x[xOff + 2 * j];
            xs[half + j] = x[xOff + 2 * j + 1];
        }
        return xs;
    }
}
