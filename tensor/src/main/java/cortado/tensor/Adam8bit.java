package cortado.tensor;

import cortado.tensor.cpu.quant.Adam8bitKernel;

/**
 * What a caller of {@link Backend#adam8bitInPlace} hands the 8-bit blockwise Adam update (Dettmers et al. 2022,
 * bitsandbytes' {@code optimizer_update_8bit_blockwise}): the blocksize, the two dynamic maps with their lookup tables,
 * and the hyperparameters. The state layout per chunk: codes1[n] bytes, codes2[n] bytes, absmax1[blocks] and
 * absmax2[blocks] float32.
 */
public final class Adam8bit {
    /** bitsandbytes' blocksize for 8-bit optimizer states. */
    public static final int BLOCK = 256;
    /** The two 256-entry maps and their 65536-bin lookup tables. */
    public record Maps(float[] code1, byte[] lut1, float[] code2, byte[] lut2) {
        public static Maps of(float[] signed, float[] unsigned) {
            return new Maps(signed.clone(), Adam8bitKernel.lookupTable(signed), unsigned.clone(),
                    Adam8bitKernel.lookupTable(unsigned));
        }
    }

    /** Hyperparameters as bitsandbytes receives them: Python floats (doubles), cast where torch casts them. */
    public record Hyper(double beta1, double beta2, double eps, double lr, double weightDecay, int step, float gradScale) {}

    private Adam8bit() {}
}
