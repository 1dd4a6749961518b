package cortado.quant;

/**
 * QLoRA's double quantization (Dettmers et al. 2023, §3 "Double Quantization"): the fp32 absmax of every 4-bit block
 * costs 32/64 = 0.5 bits per parameter at block size 64; quantizing those constants again to 8 bits, in blocks of 256,
 * cuts that to 8/64 + 32/(64*256) = 0.127 bits. The absmax values are all positive, so their mean is subtracted first
 * to centre them on zero and use the symmetric signed dynamic map fully (bitsandbytes' quantize_4bit with
 * compress_statistics=True: offset = absmax.mean(); quantize_blockwise(absmax - offset, blocksize=256)).
 */
public final class DoubleQuantization {
    /** Block size of the second level (bitsandbytes' nested_blocksize). */
    public static final int NESTED_BLOCKSIZE = 256;

    private DoubleQuantization() {}

    /** Compresses fp32 block absmax values to one byte each. */
    public static DoubleQuantState compress(float[] absmax) {
        float offset = mean(absmax);
        float[] centred = new float[absmax.length];
        for (int i = 0; i < absmax.length; i++) centred[i] = absmax[i] - offset;
        float[] code = DynamicMap.signed();
        int groups = (absmax.length + NESTED_BLOCKSIZE - 1) / NESTED_BLOCKSIZE;
        float[] nestedAbsmax = new float[groups];
        byte[] codes = new byte[absmax.length];
        BlockwiseQuantizer.encodeDynamic(centred, 0, centred.length, code, NESTED_BLOCKSIZE, nestedAbsmax, codes, 0, groups);
        return new DoubleQuantState(codes, nestedAbsmax, offset, NESTED_BLOCKSIZE, code);
    }

    /**
     * The mean of the absmax values rounded once to float32: summed in double, divided, rounded. (torch's float32
     * mean sums in float with its own cascade order and can differ in the last bit; the offset is stored in the
     * checkpoint, so loading is exact either way; BnbParityTest allows that ulp against the real library.)
     */
    static float mean(float[] x) {
        if (x.length == 0) return 0f;
        double s = 0;
        for (float v : x) s += v;
        return (float) (s / x.length);
    }
}
