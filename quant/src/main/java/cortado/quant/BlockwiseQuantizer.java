package cortado.quant;

import cortado.tensor.Parallel;

import java.util.Arrays;

/**
 * Blockwise absmax quantization, bit-exact to bitsandbytes' kQuantizeBlockwise (Dettmers et al. 2022, "8-bit
 * Optimizers via Block-wise Quantization"; QLoRA 2023 for NF4/FP4). The flat row-major data is cut into blocks of
 * {@code blocksize}; each block's scale is its absmax in fp32 (a trailing partial block gets its own); each value is
 * multiplied by the float reciprocal 1/absmax, as the kernel does, and mapped to a code.
 *
 * <p>One deliberate difference: bitsandbytes builds its CUDA kernels with {@code --use_fast_math}, where
 * {@code 1.0f / absmax} is the GPU's approximate reciprocal (within 1 ulp of IEEE, its exact bits unpublished). We use
 * the IEEE reciprocal, as bitsandbytes' CPU path ({@code A * (1 / absmax)} in torch) does, so a code can differ from a
 * GPU-quantized one only for a value within about one ulp of a pivot; dequantization of stored codes is exact either way.
 */
public final class BlockwiseQuantizer {
    /** bitsandbytes' default 4-bit block size (QLoRA). */
    public static final int DEFAULT_BLOCKSIZE_4BIT = 64;
    /** bitsandbytes' default 8-bit block size (quantize_blockwise, 8-bit optimizer states). */
    public static final int DEFAULT_BLOCKSIZE_8BIT = 256;

    /** Below this many blocks one thread does the work (the pool costs more than it saves). */
    private static final int BLOCKS_PER_TASK = 256;

    private BlockwiseQuantizer() {}

    /** NF4/FP4 quantization with the default block size 64 and no double quantization. */
    public static Quantized4bit quantize4bit(float[] data, int[] shape, QuantType type) {
        return quantize4bit(data, shape, type, DEFAULT_BLOCKSIZE_4BIT, false);
    }

    /**
     * bitsandbytes' quantize_4bit: codes by {@link QuantType#quantize} (comparison tree, midpoints to the lower code),
     * packed two per byte, first element in the high nibble; with {@code doubleQuant} the fp32 absmax values are
     * compressed by {@link DoubleQuantization} (the 4-bit codes themselves always use the exact fp32 absmax).
     */
    public static Quantized4bit quantize4bit(float[] data, int[] shape, QuantType type, int blocksize,
                                             boolean doubleQuant) {
        Blocksizes.check4bit(blocksize);
        int n = checkShape(data, shape);
        int blocks = (int) (((long) n + blocksize - 1) / blocksize);
        float[] absmax = new float[blocks];
        byte[] packed = new byte[(int) (((long) n + 1) / 2)];
        forBlocks(blocks, (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = b * blocksize, end = (int) Math.min((long) start + blocksize, n);
                float m = absmaxOf(data, start, end);
                absmax[b] = m;
                // blocksize is even, so a byte's two elements never straddle blocks; an odd count is padded with
                // 0.0 as the kernel's load pads a partial block.
                NibbleEncoder.encode(type, data, start, end, 1.0f / m, packed);
            }
        });
        if (!doubleQuant) return new Quantized4bit(type, blocksize, shape.clone(), packed, absmax, null);
        return new Quantized4bit(type, blocksize, shape.clone(), packed, null, DoubleQuantization.compress(absmax));
    }

    /** 8-bit dynamic blockwise quantization with the signed map and block size 256 (quantize_blockwise defaults). */
    public static Quantized8bit quantize8bit(float[] data, int[] shape) {
        return quantize8bit(data, shape, DynamicMap.signed(), DEFAULT_BLOCKSIZE_8BIT);
    }

    /**
     * bitsandbytes' quantize_blockwise: per block absmax, then each value times 1/absmax to the nearest entry of the
     * sorted 256-entry {@code codeMap} by the kernel's search ({@link DynamicMap#quantize}).
     */
    public static Quantized8bit quantize8bit(float[] data, int[] shape, float[] codeMap, int blocksize) {
        Blocksizes.check8bit(blocksize);
        if (codeMap.length != 256) throw new IllegalArgumentException("code map must hold 256 values, got " + codeMap.length);
        int n = checkShape(data, shape);
        float[] code = codeMap.clone();
        int blocks = (int) (((long) n + blocksize - 1) / blocksize);
        float[] absmax = new float[blocks];
        byte[] codes = new byte[n];
        forBlocks(blocks, (from, to) -> encodeDynamic(data, 0, n, code, blocksize, absmax, codes, from, to));
        return new Quantized8bit(Quantized8bit.Scheme.DYNAMIC_BLOCKWISE, shape.clone(), codes, absmax, blocksize, code);
    }

    /** Blocks [from, to) of data[off, off+n): absmax into absmax[b], codes into codes[i]. Shared with double quant. */
    static void encodeDynamic(float[] data, int off, int n, float[] code, int blocksize, float[] absmax, byte[] codes,
                              int from, int to) {
        for (int b = from; b < to; b++) {
            int start = b * blocksize, end = (int) Math.min((long) start + blocksize, n);
            float m = absmaxOf(data, off + start, off + end);
            absmax[b] = m;
            float inv = 1.0f / m;
            for (int i = start; i < end; i++) codes[i] = (byte) DynamicMap.quantizeFast(code, data[off + i] * inv);
        }
    }

    /** max |x| over [from, to), 0 for an all-zero block (NaNs are skipped, as CUDA's fmaxf does). */
    static float absmaxOf(float[] data, int from, int to) {
        float m = 0f;
        for (int i = from; i < to; i++) {
            float a = Math.abs(data[i]);
            if (a > m) m = a;
        }
        return m;
    }

    private static void forBlocks(int blocks, Parallel.Range body) {
        if (blocks < 2 * BLOCKS_PER_TASK || Parallel.threads() == 1) { body.run(0, blocks); return; }
        int tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
        Parallel.forEach(tasks, t -> body.run(t * BLOCKS_PER_TASK, Math.min(blocks, (t + 1) * BLOCKS_PER_TASK)));
    }

    static int checkShape(float[] data, int[] shape) {
        long n = Quantized4bit.numel(shape);
        if (n != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements but data has "
                    + data.length);
        return data.length;
    }
}
