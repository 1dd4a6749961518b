package cortado.quant;

import java.util.Arrays;

/**
 * A tensor quantized to 4 bits (NF4 or FP4) blockwise, as bitsandbytes' quantize_4bit stores it: element i (row-major)
 * is nibble i, two per byte with the FIRST element in the HIGH nibble, the last byte's low nibble padding when the
 * count is odd. Block b = elements [b*blocksize, (b+1)*blocksize) has scale absmax[b]; element value =
 * code[nibble] * absmax[block].
 *
 * <p>Exactly one of {@code absmax} (fp32 per block) and {@code doubleQuant} (QLoRA double quantization of those
 * absmax values) is non-null.
 */
public record Quantized4bit(QuantType type, int blocksize, int[] shape, byte[] packed, float[] absmax,
                            DoubleQuantState doubleQuant) {
    public Quantized4bit {
        Blocksizes.check4bit(blocksize);
        if ((absmax == null) == (doubleQuant == null))
            throw new IllegalArgumentException("exactly one of absmax and doubleQuant must be given");
        long n = numel(shape);
        if (packed.length != (n + 1) / 2)
            throw new IllegalArgumentException("packed holds " + packed.length + " bytes, expected " + (n + 1) / 2
                    + " for shape " + Arrays.toString(shape));
        long blocks = (n + blocksize - 1) / blocksize;
        int have = absmax != null ? absmax.length : doubleQuant.blocks();
        if (have != blocks)
            throw new IllegalArgumentException("absmax holds " + have + " blocks, expected " + blocks + " for shape "
                    + Arrays.toString(shape) + " at blocksize " + blocksize);
    }

    /** Element count. */
    public long numel() { return numel(shape); }

    /** Number of blocks. */
    public int blocks() { return (int) ((numel() + blocksize - 1) / blocksize); }

    public boolean isDoubleQuantized() { return doubleQuant != null; }

    /** The fp32 scale of every block: {@code absmax} as stored, or dequantized from the double-quant state. */
    public float[] blockAbsmax() { return absmax != null ? absmax : doubleQuant.dequantize(); }

    /** The nibble of element i. */
    public int nibble(long i) {
        int b = packed[(int) (i >>> 1)] & 0xFF;
        return (i & 1) == 0 ? b >>> 4 : b & 0x0F;
    }

    /** All elements back in float32: code[nibble] * absmax[block] (bitsandbytes' dequantize_4bit). */
    public float[] dequantize() {
        float[] scale = blockAbsmax();
        float[] code = type.codebook();
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        float[] table = new float[16];
        for (int b = 0, blocks = blocks(); b < blocks; b++) {
            // The block's 16 possible values, each the same single product code * absmax the kernel computes.
            for (int k = 0; k < 16; k++) table[k] = code[k] * scale[b];
            int start = b * blocksize, end = Math.min(start + blocksize, n);   // start is even
            for (int i = start; i < end; i += 2) {
                int byt = packed[i >>> 1] & 0xFF;
                out[i] = table[byt >>> 4];
                if (i + 1 < end) out[i + 1] = table[byt & 0x0F];
            }
        }
        return out;
    }

    /**
     * Bytes this tensor holds: packed codes plus the per-block scales (fp32 absmax, or one byte per block plus the
     * nested fp32 absmax and offset). The 16-entry and 256-entry code maps are shared constants and not counted,
     * which is how QLoRA counts 4 + 8/64 + 32/(64*256) bits per parameter.
     */
    public long bytesHeld() {
        return packed.length + (absmax != null ? 4L * absmax.length : doubleQuant.bytesHeld());
    }

    /** 8 * bytesHeld / numel. */
    public double bitsPerParameter() { return 8.0 * bytesHeld() / numel(); }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }
}
