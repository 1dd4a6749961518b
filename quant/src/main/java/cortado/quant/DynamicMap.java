package cortado.quant;

import java.util.Arrays;

/**
 * bitsandbytes' 8-bit dynamic quantization map (Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization",
 * §2.3; {@code create_dynamic_map}): a dynamic exponent in unary (leading zeros, 10^-6 .. 10^0), an indicator bit, and
 * the remaining bits a linear fraction in [0.1, 1]. The signed map spends one bit on the sign; both maps hold 0 and
 * 1.0 and are sorted ascending, so the index is the stored byte.
 *
 * <p>The fraction grid is {@code torch.linspace(0.1, 1, k)} in float32; {@link #linspace} reproduces torch's CPU
 * kernel (start + step*i for the first half, end - step*(k-1-i) for the second, each a fused multiply-add as the
 * compiled kernel evaluates it) so the map matches torch's to the bit (checked against torch 2.13 by the goldens).
 */
public final class DynamicMap {
    private static final float[] SIGNED = create(true, 7, 8);
    private static final float[] UNSIGNED = create(false, 7, 8);

    private DynamicMap() {}

    /** create_dynamic_map(signed=True): 256 sorted codes in [-1, 1]; double quantization and signed 8-bit states. */
    public static float[] signed() { return SIGNED.clone(); }

    /** create_dynamic_map(signed=False): 256 sorted codes in [0, 1] (8-bit optimizers' second moment). */
    public static float[] unsigned() { return UNSIGNED.clone(); }

    /** The map for {@code maxExponentBits} exponent bits in {@code totalBits} (bitsandbytes' defaults: 7, 8). */
    public static float[] create(boolean signed, int maxExponentBits, int totalBits) {
        int nonSignBits = totalBits - 1;
        int additional = (1 << (nonSignBits - maxExponentBits)) - 1;
        float[] data = new float[1 << totalBits];
        int n = 0;
        int last = maxExponentBits - 1;
        for (int i = 0; i < maxExponentBits; i++) {
            int items = signed ? (1 << (i + nonSignBits - maxExponentBits)) + 1
                               : (1 << (i + nonSignBits - maxExponentBits + 1)) + 1;
            n = addLevel(data, n, items, decade(i - last), signed);
        }
        if (additional > 0) n = addLevel(data, n, additional + 1, decade(0), signed);
        data[n++] = 0f;
        data[n++] = 1.0f;
        if (n > data.length) throw new IllegalArgumentException("dynamic map overflows " + totalBits + " bits");
        // Remaining slots (none for the defaults) are zeros, as bitsandbytes pads them.
        Arrays.sort(data);
        return data;
    }

    /** 10^e for e in [-maxExponentBits+1, 0], as the float32 scalar torch multiplies a float tensor by. */
    private static float decade(int e) { return (float) Double.parseDouble("1e" + e); }

    /** Appends scale * (midpoints of linspace(0.1, 1, items)), and their negatives when signed. */
    private static int addLevel(float[] data, int n, int items, float scale, boolean signed) {
        float[] b = linspace(0.1f, 1f, items);
        for (int j = 0; j + 1 < items; j++) data[n++] = scale * ((b[j] + b[j + 1]) / 2.0f);
        if (signed) for (int j = 0; j + 1 < items; j++) data[n++] = -scale * ((b[j] + b[j + 1]) / 2.0f);
        return n;
    }

    /**
     * torch.linspace(start, end, steps) in float32: step = (end - start) / (steps - 1); element i is
     * fma(step, i, start) below the halfway index and fma(-step, steps-1-i, end) from there (one rounding each; with
     * a separate multiply and add, several map entries differ from torch's in the last bit).
     */
    static float[] linspace(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) { out[0] = start; return out; }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
        return out;
    }

    /**
     * {@link #quantize} without the bracket bookkeeping, for the hot loop (8-bit optimizer states). The seven moves
     * 127 +- 64 +- ... +- 1 always end on an even index p whose bracketing neighbours are p-1 and p+1 (clamped to the
     * map), so only the landing index is tracked; the selects compile to conditional moves rather than branches that
     * mispredict on every other step. Tests hold it equal to {@link #quantize} around every code and midpoint.
     */
    static int quantizeFast(float[] code, float x) {
        int p = 127;
        p += x > code[p] ? 64 : -64;
        p += x > code[p] ? 32 : -32;
        p += x > code[p] ? 16 : -16;
        p += x > code[p] ? 8 : -8;
        p += x > code[p] ? 4 : -4;
        p += x > code[p] ? 2 : -2;
        p += x > code[p] ? 1 : -1;
        float v = code[p];
        if (x > v) return x > (code[p + 1] + v) * 0.5f ? p + 1 : p;
        int l = p == 0 ? 0 : p - 1;
        return x < (code[l] + v) * 0.5f ? l : p;
    }

    /**
     * The index of the code nearest to x in a sorted 256-entry map, by bitsandbytes' kernel search (dQuantize): a
     * 7-step binary search from index 127 with strict {@code x > code} tests, then a choice between the landing code
     * and its bracketing neighbour by comparing with their float midpoint. Ties at a midpoint go toward the landing
     * code, as in the kernel (this is not always the lower one).
     */
    public static int quantize(float[] code, float x) {
        int pivot = 127, upperPivot = 255, lowerPivot = 0;
        float lower = -1.0f, upper = 1.0f;
        float val = code[pivot];
        for (int step = 64; step > 0; step >>= 1) {
            if (x > val) { lowerPivot = pivot; lower = val; pivot += step; }
            else { upperPivot = pivot; upper = val; pivot -= step; }
            val = code[pivot];
        }
        if (upperPivot == 255) upper = code[255];
        if (lowerPivot == 0) lower = code[0];
        if (x > val) return x > (upper + val) * 0.5f ? upperPivot : pivot;
        return x < (lower + val) * 0.5f ? lowerPivot : pivot;
    }
}
