package cortado.tensor.cpu.quant;

import cortado.tensor.Adam8bit;
import cortado.tensor.Adam8bit.Hyper;
import cortado.tensor.Adam8bit.Maps;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One Adam(W) update with both moments stored 8-bit blockwise (Dettmers et al. 2022, "8-bit Optimizers via Block-wise
 * Quantization"), computed as bitsandbytes' CPU {@code optimizer_update_8bit_blockwise} does (backends/cpu/ops.py):
 * dequantize each moment (code[c] * absmax[block]), the Adam update in float32 in torch's order of operations,
 * then requantize each block of 256 with the C++ {@code quantize_cpu}. The fused multiply-adds are where torch's
 * vectorized CPU kernels fuse (add with alpha, addcmul; checked against torch 2.13 element by element):
 * <pre>
 *   m = fma(g, 1-b1, m*b1)          // mul_(beta1).add_(grad, alpha=1-beta1)
 *   v = fma((1-b2)*g, g, v*b2)      // mul_(beta2).addcmul_(grad, grad, value=1-beta2)
 *   denom = sqrt(v) / c2 + eps      // c2 = sqrt(1 - b2^t)
 *   p = p*(1 - lr*wd) + ((-lr/c1)*m) / denom     // c1 = 1 - b1^t; addcdiv_
 * </pre>
 * The requantization does not take the nearest code as bitsandbytes' CUDA kernel does: it maps x/absmax (clamped to
 * [-1, 1]) to one of 65536 bins, {@code (x+1)/2*65535 + 0.5} truncated, and reads the code from a table built once per
 * map (bin i's value {@code -1 + 2i/65535} takes the first code whose upper midpoint is not below it). A value within
 * a bin's width (3e-5) of a midpoint can land on the farther code; mirroring that keeps Cortado equal to the library.
 *
 * <p>State layout (one segment per chunk of elements, a multiple of 256): codes1[n] bytes, codes2[n] bytes, then
 * absmax1[blocks] and absmax2[blocks] float32 at the offsets given. Blocks are independent, so the result does not
 * depend on the thread count.
 */
public final class Adam8bitKernel {
    private static final int BLOCK = Adam8bit.BLOCK;
    private static final int LUT_SIZE = 65536;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;


    private Adam8bitKernel() {}

    /**
     * Updates elements [from, from+n) of {@code param} (contiguous) from the same range of {@code grad}. The state of
     * those elements lies in {@code state}: codes1 at byte 0, codes2 at byte {@code codes2At}, absmax1 at
     * {@code absmax1At} and absmax2 at {@code absmax2At} (block 0 = the block starting at {@code from}).
     */
    public static void step(Tensor param, Tensor grad, long from, int n, MemorySegment state, long codes2At,
                            long absmax1At, long absmax2At, Maps maps, Hyper h) {
        if (!param.isContiguous() || !grad.isContiguous())
            throw new IllegalArgumentException("adam8bit needs contiguous parameter and gradient");
        if (from < 0 || from + n > param.numelLong() || grad.numelLong() != param.numelLong())
            throw new IllegalArgumentException("adam8bit: range [" + from + ", " + (from + n) + ") outside "
                    + param.numelLong() + " elements (gradient " + grad.numelLong() + ")");
        if (h.step() < 1) throw new IllegalArgumentException("adam8bit step must be >= 1, got " + h.step());
        MemorySegment p = param.storage().segment(), g = grad.storage().segment();
        long po = param.offsetLong() + from, go = grad.offsetLong() + from;
        float b1 = (float) h.beta1(), ob1 = (float) (1.0 - h.beta1());
        float b2 = (float) h.beta2(), ob2 = (float) (1.0 - h.beta2());
        double c1 = 1.0 - Math.pow(h.beta1(), h.step());
        float c2 = (float) Math.sqrt(1.0 - Math.pow(h.beta2(), h.step()));
        float eps = (float) h.eps();
        boolean decay = h.weightDecay() > 0.0;
        float decayFactor = (float) (1.0 - h.lr() * h.weightDecay());
        float stepValue = (float) (-h.lr() / c1);
        float gs = h.gradScale();
        int blocks = (n + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, (b0, b1e) -> {
            float[] m = new float[BLOCK], v = new float[BLOCK];
            for (int b = b0; b < b1e; b++) {
                int start = b * BLOCK, len = Math.min(BLOCK, n - start);
                float a1 = state.get(F32, absmax1At + 4L * b), a2 = state.get(F32, absmax2At + 4L * b);
                for (int i = 0; i < len; i++) {
                    long e = start + i;
                    float gi = get(g, go + e) * gs;
                    float mi = maps.code1()[state.get(ValueLayout.JAVA_BYTE, e) & 0xFF] * a1;
                    float vi = maps.code2()[state.get(ValueLayout.JAVA_BYTE, codes2At + e) & 0xFF] * a2;
                    mi = Math.fma(gi, ob1, mi * b1);
                    vi = Math.fma(ob2 * gi, gi, vi * b2);
                    float denom = (float) Math.sqrt(vi) / c2 + eps;
                    float pi = get(p, po + e);
                    if (decay) pi *= decayFactor;
                    put(p, po + e, pi + (stepValue * mi) / denom);
                    m[i] = mi;
                    v[i] = vi;
                }
                state.set(F32, absmax1At + 4L * b, requantize(m, len, maps.lut1(), state, start));
                state.set(F32, absmax2At + 4L * b, requantize(v, len, maps.lut2(), state, codes2At + start));
            }
        });
    }

    /** quantize_cpu for one block: absmax, then each x * (1/absmax) through the lookup table; returns absmax. */
    private static float requantize(float[] x, int len, byte[] lut, MemorySegment state, long codesAt) {
        float absmax = 0f;
        for (int i = 0; i < len; i++) absmax = Math.max(absmax, Math.abs(x[i]));
        if (absmax == 0f) {
            for (int i = 0; i < len; i++) state.set(ValueLayout.JAVA_BYTE, codesAt + i, (byte) 0);
            return absmax;
        }
        float inv = 1.0f / absmax;
        for (int i = 0; i < len; i++) state.set(ValueLayout.JAVA_BYTE, codesAt + i, lut[lutIndex(x[i] * inv)]);
        return absmax;
    }

    /** norm_to_lut_index: clamp to [-1, 1], then (x + 1) * 0.5 * 65535 + 0.5 truncated. */
    static int lutIndex(float x) {
        float c = Math.min(1.0f, Math.max(-1.0f, x));
        return (int) ((c + 1.0f) * 0.5f * (LUT_SIZE - 1) + 0.5f);
    }

    /** build_quantize_lut: bin i (value -1 + 2i/65535) takes the first code whose upper midpoint is not below it. */
    public static byte[] lookupTable(float[] code) {
        if (code.length != 256) throw new IllegalArgumentException("an 8-bit map has 256 codes, got " + code.length);
        float[] mid = new float[255];
        for (int i = 0; i < 255; i++) mid[i] = 0.5f * (code[i] + code[i + 1]);
        byte[] lut = new byte[LUT_SIZE];
        int k = 0;
        for (int i = 0; i < LUT_SIZE; i++) {
            float val = -1.0f + (2.0f * i) / (LUT_SIZE - 1);
            while (k < 255 && mid[k] < val) k++;
            lut[i] = (byte) k;
        }
        return lut;
    }

    /** The code index quantize_cpu gives a value already divided by its block's absmax. */
    public static int quantizeScaled(byte[] lut, float x) { return lut[lutIndex(x)] & 0xFF; }

    private static float get(MemorySegment s, long element) { return s.getAtIndex(F32, element); }

    private static void put(MemorySegment s, long element, float v) { s.setAtIndex(F32, element, v); }
}
