package cortado.tensor;

/**
 * ggml's reference quantizers (ggml-quants.c, {@code quantize_row_q8_0_ref} and {@code quantize_row_q4_0_ref}),
 * value for value: each block of 32 consecutive values of a row gets one fp16 scale.
 * <ul>
 *   <li>Q8_0: d = absmax / 127, q = round(x / d) (C's roundf: halves away from zero), stored as d then 32 int8.</li>
 *   <li>Q4_0: d = m / -8 where m is the value of largest magnitude (its sign kept, the first one on ties), then
 *       q = min(15, (int8)(x / d + 8.5)) (truncation toward zero); byte j holds value j in its low nibble and value
 *       j + 16 in its high nibble; decoded as (q - 8) * d.</li>
 * </ul>
 * A zero block stores d = 0 and codes 0 (Q8_0) or 8 (Q4_0).
 */
public final class GgmlQuantizer {
    private static final int QK = 32;

    private GgmlQuantizer() {}

    /** The blocks of {@code n} values of {@code x} from {@code off} ({@code n} a multiple of 32) in {@code type}. */
    public static byte[] quantize(GgmlType type, float[] x, int off, int n) {
        if (n % QK != 0) throw new IllegalArgumentException(type + " needs a multiple of 32 values, got " + n);
        byte[] out = new byte[n / QK * type.blockBytes];
        switch (type) {
            case Q8_0 -> { for (int b = 0; b < n / QK; b++) q8_0(x, off + b * QK, out, b * type.blockBytes); }
            case Q4_0 -> { for (int b = 0; b < n / QK; b++) q4_0(x, off + b * QK, out, b * type.blockBytes); }
            default -> throw new IllegalArgumentException("no reference quantizer for " + type + " (only Q8_0 and Q4_0)");
        }
        return out;
    }

    private static void q8_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0f;
        for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(out, o, d);
        for (int j = 0; j < QK; j++) out[o + 2 + j] = (byte) roundAway(x[xo + j] * id);
    }

    private static void q4_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < QK; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(out, o, d);
        for (int j = 0; j < QK / 2; j++) {
            int lo = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int hi = Math.min(15, (byte) (int) (x[xo + QK / 2 + j] * id + 8.5f));
            out[o + 2 + j] = (byte) (lo | hi << 4);
        }
    }

    /** C's roundf: the nearest integer, halves away from zero. */
    static float roundAway(float v) {
        // In double, |v| + 0.5 is exact for any float this small, so no float rounding can carry it up.
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    private static void putF16(byte[] out, int o, float v) {
        short h = Float.floatToFloat16(v);
        out[o] = (byte) h;
        out[o + 1] = (byte) (h >> 8);
    }
}
