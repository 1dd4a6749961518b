package cortado.quant;

import java.util.Arrays;

/**
 * A tensor quantized to 8 bits, in one of bitsandbytes' two schemes.
 * <ul>
 * <li>{@link Scheme#DYNAMIC_BLOCKWISE}: quantize_blockwise. {@code codes[i]} (unsigned) indexes {@code codeMap} (a
 *     256-entry dynamic map); {@code scales[b]} is the absmax of block b of {@code blocksize} elements; value =
 *     codeMap[code] * absmax[block].</li>
 * <li>{@link Scheme#ROWWISE_INT8}: LLM.int8 weight quantization (Dettmers et al. 2022). The last dimension is a row;
 *     {@code codes[i]} is a signed int8 = round(127 * x / absmax_row); {@code scales[r]} is the row's absmax
 *     (bitsandbytes' SCB); {@code blocksize} is the row length; {@code codeMap} is null; value = q * absmax / 127.</li>
 * </ul>
 */
public record Quantized8bit(Scheme scheme, int[] shape, byte[] codes, float[] scales, int blocksize, float[] codeMap) {
    public enum Scheme { DYNAMIC_BLOCKWISE, ROWWISE_INT8 }

    /** bitsandbytes' int8 dequantization factor: 1/127 as the float literal its kernels use. */
    static final float INV_127 = 7.874015718698502e-3f;

    public Quantized8bit {
        long n = Quantized4bit.numel(shape);
        if (codes.length != n)
            throw new IllegalArgumentException("codes hold " + codes.length + " bytes, expected " + n + " for shape "
                    + Arrays.toString(shape));
        if (blocksize <= 0) throw new IllegalArgumentException("blocksize must be positive, got " + blocksize);
        long groups = (n + blocksize - 1) / blocksize;
        if (scales.length != groups)
            throw new IllegalArgumentException("scales hold " + scales.length + " values, expected " + groups);
        if (scheme == Scheme.DYNAMIC_BLOCKWISE && (codeMap == null || codeMap.length != 256))
            throw new IllegalArgumentException("dynamic blockwise quantization needs a 256-entry code map");
    }

    public long numel() { return codes.length; }

    /** All elements back in float32. */
    public float[] dequantize() {
        float[] out = new float[codes.length];
        if (scheme == Scheme.DYNAMIC_BLOCKWISE) {
            for (int i = 0; i < out.length; i++) out[i] = codeMap[codes[i] & 0xFF] * scales[i / blocksize];
        } else {
            // bitsandbytes' int8_vectorwise_dequant: A * stats * (1/127), left to right in float32.
            for (int i = 0; i < out.length; i++) out[i] = (codes[i] * scales[i / blocksize]) * INV_127;
        }
        return out;
    }

    /** Codes plus fp32 scales (a shared code map is not counted). */
    public long bytesHeld() { return codes.length + 4L * scales.length; }

    public double bitsPerParameter() { return 8.0 * bytesHeld() / numel(); }
}
