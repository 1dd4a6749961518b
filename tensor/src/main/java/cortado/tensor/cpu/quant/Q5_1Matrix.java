package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q5_1: blocks of 32 values, an fp16 scale d and an fp16 offset m, 4 bytes of fifth bits, then 16 bytes of
 * nibbles laid out as Q5_0's ({@link Q5_0Matrix}); each value decodes as q * d + m (dequantize_row_q5_1).
 * llama-quantize's Q4_K_M falls back to it, as to Q5_0, for rows that are not whole super-blocks.
 */
public final class Q5_1Matrix extends GgmlMatrix {
    public Q5_1Matrix(byte[] data, int rows, int cols) { super(GgmlType.Q5_1, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 24;
        float d = f16(o), m = f16(o + 2);
        int qh = Q5_0Matrix.fifthBits(data, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = data[o + 8 + j] & 0xff;
            dst[off + j] = ((q & 0xf) | ((qh >>> j) << 4 & 0x10)) * d + m;
            dst[off + j + 16] = ((q >>> 4) | (qh >>> (j + 12) & 0x10)) * d + m;
        }
    }
}
