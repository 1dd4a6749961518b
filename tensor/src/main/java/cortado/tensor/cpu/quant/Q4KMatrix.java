package cortado.tensor.cpu.quant;

import cortado.tensor.GgmlType;

/**
 * ggml's Q4_K (a "k-quant"): super-blocks of 256 values as llama-quantize writes them: fp16 d, fp16 dmin, 12 bytes
 * packing eight 6-bit scales and eight 6-bit mins ({@link ScaleMinK4}), then 128 bytes of nibbles. Sub-block j of 32
 * values decodes as d * scale_j * q - dmin * min_j; the 64 values of each pair of sub-blocks share 32 bytes, the first
 * in the low nibbles, the second in the high ones (dequantize_row_q4_K).
 */
public final class Q4KMatrix extends GgmlMatrix {
    public Q4KMatrix(byte[] data, int rows, int cols) { super(GgmlType.Q4_K, data, rows, cols); }

    @Override
    protected void decodeBlock(int b, float[] dst, int off) {
        int o = b * 144, sc = o + 4, qs = o + 16;
        float d = f16(o), dmin = f16(o + 2);
        for (int j = 0; j < 4; j++) {      // pairs of sub-blocks: 64 values from 32 bytes
            int is = 2 * j;
            float d1 = d * ScaleMinK4.scale(data, sc, is), m1 = dmin * ScaleMinK4.min(data, sc, is);
            float d2 = d * ScaleMinK4.scale(data, sc, is + 1), m2 = dmin * ScaleMinK4.min(data, sc, is + 1);
            int q = qs + 32 * j, y = off + 64 * j;
            for (int l = 0; l < 32; l++) {
                int v = data[q + l] & 0xff;
                dst[y + l] = d1 * (v & 0xf) - m1;
                dst[y + 32 + l] = d2 * (v >>> 4) - m2;
            }
        }
    }
}
