package cortado.quant;

/**
 * LLM.int8 weight quantization (Dettmers et al. 2022, "LLM.int8()", vector-wise quantization): each row (last
 * dimension; an nn.Linear weight's row is one output feature) is scaled by its own absmax to [-127, 127] and rounded
 * half to even. Mirrors bitsandbytes' int8_vectorwise_quant without outlier threshold:
 * {@code round(A * (127 / row_absmax))}, where torch evaluates {@code 127 / t} as {@code reciprocal(t) * 127}.
 */
public final class Int8RowQuantizer {
    private Int8RowQuantizer() {}

    /** Row-wise int8 of a tensor whose last dimension is the row. */
    public static Quantized8bit quantize(float[] data, int[] shape) {
        int n = BlockwiseQuantizer.checkShape(data, shape);
        if (shape.length == 0) throw new IllegalArgumentException("row-wise int8 needs at least one dimension");
        int cols = shape[shape.length - 1];
        if (cols == 0) throw new IllegalArgumentException("row-wise int8 needs a non-empty last dimension");
        int rows = n / cols;
        float[] rowAbsmax = new float[rows];
        byte[] q = new byte[n];
        cortado.tensor.Parallel.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                float m = BlockwiseQuantizer.absmaxOf(data, off, off + cols);
                rowAbsmax[r] = m;
                if (m == 0f) continue;   // all-zero row: codes stay 0 (torch would compute 0 * inf = NaN)
                float scale = (1.0f / m) * 127.0f;
                for (int c = 0; c < cols; c++) q[off + c] = (byte) Math.rint(data[off + c] * scale);
            }
        });
        return new Quantized8bit(Quantized8bit.Scheme.ROWWISE_INT8, shape.clone(), q, rowAbsmax, cols, null);
    }
}
