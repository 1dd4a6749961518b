package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q5_0: blocks of 32 values, an fp16 scale d, 4 bytes of fifth bits (a little-endian uint32 qh), then 16 bytes
 * of nibbles; value j (j < 16) is the low nibble of byte j with bit j of qh, value j + 16 the high nibble with bit
 * j + 16, each decoded as (q - 16) * d (dequantize_row_q5_0). llama-quantize's Q4_K_M falls back to it for matrices
 * whose rows are not whole 256-value super-blocks.
 */
public final class Q5_0Matrix extends GgmlMatrix {
    public Q5_0Matrix(byte[] data, int rows, int cols) { super(GgmlType.Q5_0, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 22;
        float d = f16(o);
        int qh = fifthBits(data, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = data[o + 6 + j] & 0xff;
            dst[off + j] = (((q & 0xf) | ((qh >>> j) << 4 & 0x10)) - 16) * d;
            dst[off + j + 16] = (((q >>> 4) | (qh >>> (j + 12) & 0x10)) - 16) * d;
        }
    }

    /** The little-endian uint32 of fifth bits at {@code data[o]} (Q5_0 and Q5_1). */
    static int fifthBits(byte[] data, int o) {
        return (data[o] & 0xff) | (data[o + 1] & 0xff) << 8 | (data[o + 2] & 0xff) << 16 | (data[o + 3] & 0xff) << 24;
    }
}
