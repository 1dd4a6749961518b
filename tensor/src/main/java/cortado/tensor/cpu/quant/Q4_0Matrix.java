package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q4_0: blocks of 32 values, an fp16 scale d then 16 bytes; byte j holds value j in its low nibble and value
 * j + 16 in its high nibble, each decoded as (nibble - 8) * d (dequantize_row_q4_0).
 */
public final class Q4_0Matrix extends GgmlMatrix {
    public Q4_0Matrix(byte[] data, int rows, int cols) { super(GgmlType.Q4_0, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 18;
        float d = f16(o);
        for (int j = 0; j < 16; j++) {
            int q = data[o + 2 + j] & 0xff;
            dst[off + j] = ((q & 0xf) - 8) * d;
            dst[off + j + 16] = ((q >>> 4) - 8) * d;
        }
    }
}
