package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q5_K: super-blocks of 256 values, fp16 d, fp16 dmin, the 12 bytes of 6-bit scales and mins Q4_K packs
 * ({@link ScaleMinK4}), 32 bytes of fifth bits (qh), then 128 bytes of low nibbles. llama-quantize's Q4_K_M writes it
 * for some matrices (GPT-2's attn_qkv). Sub-block j of 32 values decodes as d * scale_j * (nibble + 16 * bit) -
 * dmin * min_j; sub-blocks 2i and 2i+1 take the low and high nibbles of the same 32 bytes, and bits 2i and 2i+1 of
 * qh[l] (dequantize_row_q5_K).
 */
public final class Q5KMatrix extends GgmlMatrix {
    public Q5KMatrix(byte[] data, int rows, int cols) { super(GgmlType.Q5_K, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 176, sc = o + 4, qh = o + 16, qs = o + 48;
        float d = f16(o), dmin = f16(o + 2);
        for (int j = 0; j < 4; j++) {      // pairs of sub-blocks: 64 values from 32 bytes of nibbles
            int is = 2 * j, u1 = 1 << is, u2 = 2 << is;
            float d1 = d * ScaleMinK4.scale(data, sc, is), m1 = dmin * ScaleMinK4.min(data, sc, is);
            float d2 = d * ScaleMinK4.scale(data, sc, is + 1), m2 = dmin * ScaleMinK4.min(data, sc, is + 1);
            int q = qs + 32 * j, y = off + 64 * j;
            for (int l = 0; l < 32; l++) {
                int v = data[q + l] & 0xff, h = data[qh + l];
                dst[y + l] = d1 * ((v & 0xf) + ((h & u1) != 0 ? 16 : 0)) - m1;
                dst[y + 32 + l] = d2 * ((v >>> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
            }
        }
    }
}
