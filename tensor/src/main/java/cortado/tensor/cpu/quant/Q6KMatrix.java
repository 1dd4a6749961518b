package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q6_K: super-blocks of 256 values as llama-quantize writes them: 128 bytes of low nibbles (ql), 64 bytes of
 * high 2-bit pairs (qh), 16 int8 scales (one per 16 values), fp16 d. A value is d * scale * (q - 32) with q the 6-bit
 * code; each half of 128 values reads 64 ql bytes and 32 qh bytes (dequantize_row_q6_K).
 */
public final class Q6KMatrix extends GgmlMatrix {
    public Q6KMatrix(byte[] data, int rows, int cols) { super(GgmlType.Q6_K, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 210;
        float d = f16(o + 208);
        for (int n = 0; n < 2; n++) {
            int ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n, y = off + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo0 = data[ql + l] & 0xff, lo1 = data[ql + l + 32] & 0xff, h = data[qh + l] & 0xff;
                int q1 = ((lo0 & 0xf) | (h & 3) << 4) - 32;
                int q2 = ((lo1 & 0xf) | (h >>> 2 & 3) << 4) - 32;
                int q3 = ((lo0 >>> 4) | (h >>> 4 & 3) << 4) - 32;
                int q4 = ((lo1 >>> 4) | (h >>> 6 & 3) << 4) - 32;
                dst[y + l] = d * data[sc + is] * q1;
                dst[y + l + 32] = d * data[sc + is + 2] * q2;
                dst[y + l + 64] = d * data[sc + is + 4] * q3;
                dst[y + l + 96] = d * data[sc + is + 6] * q4;
            }
        }
    }
}
