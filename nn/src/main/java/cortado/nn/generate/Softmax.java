package cortado.nn.generate;

import java.util.Arrays;

/** The softmax and the orderings the filters share; -infinity scores get probability 0. */
final class Softmax {
    private Softmax() {}

    /** softmax(scores) in float32 (max subtracted, the sum taken in double): torch.softmax up to last-ulp rounding. */
    static float[] probabilities(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) max = Math.max(max, s);
        float[] p = new float[scores.length];
        if (max == Float.NEGATIVE_INFINITY) return p;
        double sum = 0;
        for (int i = 0; i < scores.length; i++) sum += p[i] = (float) Math.exp(scores[i] - max);
        for (int i = 0; i < scores.length; i++) p[i] = (float) (p[i] / sum);
        return p;
    }

    /** Token indices by ascending score; equal scores by descending index, so among ties the lowest index ranks first. */
    static int[] ascendingOrder(float[] scores) {
        int n = scores.length;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) packed[i] = ((long) sortableBits(scores[i]) << 32) | (n - 1 - i);
        Arrays.sort(packed);
        int[] order = new int[n];
        for (int j = 0; j < n; j++) order[j] = n - 1 - (int) (packed[j] & 0xFFFFFFFFL);
        return order;
    }

    /** Float bits remapped so that signed int order equals float order (NaN treated as -infinity). */
    private static int sortableBits(float f) {
        if (Float.isNaN(f)) f = Float.NEGATIVE_INFINITY;
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7FFFFFFF;
    }
}
