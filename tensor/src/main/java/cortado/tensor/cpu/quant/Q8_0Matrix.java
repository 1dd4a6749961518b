package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/** ggml's Q8_0: blocks of 32 values, an fp16 scale d then 32 int8 codes q; value = q * d (dequantize_row_q8_0). */
public final class Q8_0Matrix extends GgmlMatrix {
    public Q8_0Matrix(byte[] data, int rows, int cols) { super(GgmlType.Q8_0, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 34;
        float d = f16(o);
        for (int j = 0; j < 32; j++) dst[off + j] = data[o + 2 + j] * d;
    }
}
