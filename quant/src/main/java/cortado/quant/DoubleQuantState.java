package cortado.quant;

/**
 * The second level of QLoRA's double quantization (§3): the fp32 absmax of every 4-bit block, minus their mean
 * ({@code offset}), quantized blockwise ({@code nestedBlocksize} = 256) to one byte each with the signed dynamic map.
 *
 * @param absmaxCodes   one byte per 4-bit block: index into {@code nestedCode}
 * @param nestedAbsmax  fp32 absmax of each group of {@code nestedBlocksize} centred absmax values
 * @param offset        mean of the first-level absmax values, added back on dequantization
 * @param nestedBlocksize 256 as bitsandbytes uses
 * @param nestedCode    the 256-entry map (bitsandbytes' create_dynamic_map(signed=True))
 */
public record DoubleQuantState(byte[] absmaxCodes, float[] nestedAbsmax, float offset, int nestedBlocksize,
                               float[] nestedCode) {
    public DoubleQuantState {
        if (nestedCode.length != 256) throw new IllegalArgumentException("nested code map must hold 256 values");
        long groups = ((long) absmaxCodes.length + nestedBlocksize - 1) / nestedBlocksize;
        if (nestedAbsmax.length != groups)
            throw new IllegalArgumentException("nested absmax holds " + nestedAbsmax.length + " values, expected "
                    + groups + " for " + absmaxCodes.length + " blocks at nested blocksize " + nestedBlocksize);
    }

    /** Number of first-level blocks whose absmax this state holds. */
    public int blocks() { return absmaxCodes.length; }

    /**
     * The first-level absmax values: code[q] * nestedAbsmax[group] + offset, in float32 (bitsandbytes'
     * dequantize_blockwise followed by {@code absmax += offset}).
     */
    public float[] dequantize() {
        float[] out = new float[absmaxCodes.length];
        for (int i = 0; i < out.length; i++)
            out[i] = nestedCode[absmaxCodes[i] & 0xFF] * nestedAbsmax[i / nestedBlocksize] + offset;
        return out;
    }

    /** Bytes held: one code per block, fp32 nested absmax, fp32 offset (the shared code map is not counted). */
    public long bytesHeld() { return absmaxCodes.length + 4L * nestedAbsmax.length + 4; }
}
