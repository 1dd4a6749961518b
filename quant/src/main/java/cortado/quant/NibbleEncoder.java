package cortado.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Branch-free 4-bit encoding of one block with the Vector API. bitsandbytes' comparison tree is a binary search over
 * sorted pivots with strict {@code >} tests, so its nibble equals the number of pivots strictly below the value (FP4:
 * below |x|, mapped through the rank-to-nibble table, plus the sign bit). Counting needs 15 (NF4) or 7 (FP4)
 * compares per lane and no data-dependent branches: on normally distributed weights the tree mispredicts about
 * every other level. {@link QuantType#quantize} stays the readable reference; tests hold the two equal.
 */
final class NibbleEncoder {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private NibbleEncoder() {}

    /**
     * Packs data[start, end) (scaled by {@code inv} = 1/absmax) into packed[start/2 ..], first element in the high
     * nibble; an odd tail is padded with quantize(0 * inv) as the kernel's zero-padded load does. start is even.
     */
    static void encode(QuantType type, float[] data, int start, int end, float inv, byte[] packed) {
        int[] nib = new int[L];
        int i = start;
        if (F.length() == I.length()) {
            for (; i + L <= end; i += L) {
                FloatVector x = FloatVector.fromArray(F, data, i).mul(inv);
                if (type == QuantType.NF4) countAbove(x, QuantType.NF4_PIVOTS).intoArray(nib, 0);
                else {
                    countAbove(x.abs(), QuantType.FP4_PIVOTS).intoArray(nib, 0);
                    VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
                    for (int j = 0; j < L; j++)
                        nib[j] = QuantType.FP4_NIBBLE_BY_RANK[nib[j]] | (neg.laneIsSet(j) ? 0b1000 : 0);
                }
                for (int j = 0; j < L; j += 2) packed[(i + j) >>> 1] = (byte) ((nib[j] << 4) | nib[j + 1]);
            }
        }
        for (; i < end; i += 2) {
            int hi = type.quantize(data[i] * inv);
            int lo = type.quantize((i + 1 < end ? data[i + 1] : 0f) * inv);
            packed[i >>> 1] = (byte) ((hi << 4) | lo);
        }
    }

    /** Per lane, how many of the ascending {@code pivots} are strictly below x (NaN: none). */
    private static IntVector countAbove(FloatVector x, float[] pivots) {
        IntVector count = IntVector.zero(I);
        for (float p : pivots) count = count.add(1, x.compare(VectorOperators.GT, p).cast(I));
        return count;
    }
}
