package cortado.tensor;

/**
 * The cosines and sines a rotary position embedding (Su et al. 2021) rotates by, one row per position:
 * {@code cos[p, i] = cos(p * invFreq[i]) * scale}, likewise {@code sin}, each {@code [positions, D/2]}. A model builds
 * it once from its inverse frequencies and reuses it for every layer and every call (Hugging Face's
 * {@code LlamaRotaryEmbedding.forward} computes the same values; {@code scale} is its {@code attention_scaling}).
 *
 * <p>The angle is the float32 product {@code (float) p * invFreq[i]}, as transformers computes it (its float32
 * {@code inv_freq @ position_ids}), then cos and sin are rounded to float32 and multiplied by {@code scale} in float32.
 */
public record RopeTable(Tensor cos, Tensor sin) {

    public RopeTable {
        if (cos.rank() != 2 || !java.util.Arrays.equals(cos.shape(), sin.shape()))
            throw new IllegalArgumentException("rope table needs cos and sin of one shape [positions, D/2], got "
                    + java.util.Arrays.toString(cos.shape()) + " and " + java.util.Arrays.toString(sin.shape()));
    }

    /** Rows for positions {@code 0 .. positions-1} from {@code invFreq} (length D/2). */
    public static RopeTable build(float[] invFreq, int positions, float scale) {
        if (positions <= 0) throw new IllegalArgumentException("rope table needs at least one position, got " + positions);
        int half = invFreq.length;
        if (half == 0) throw new IllegalArgumentException("rope table needs at least one frequency");
        float[] c = new float[positions * half], s = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i];
                c[p * half + i] = (float) Math.cos(angle) * scale;
                s[p * half + i] = (float) Math.sin(angle) * scale;
            }
        }
        return new RopeTable(Tensor.of(c, positions, half), Tensor.of(s, positions, half));
    }

    /** Positions the table covers: valid position ids are {@code 0 .. positions()-1}. */
    public int positions() { return cos.size(0); }

    /** D/2: half the rotated head width. */
    public int half() { return cos.size(1); }

    /**
     * Checks that this table rotates {@code x} {@code [B, H, T, D]} (even D, D/2 = {@link #half()}) at
     * {@code positions} (B*T ids inside the table): the argument checks every backend's rope shares.
     */
    public void checkApplies(Tensor x, int[] positions) {
        if (x.rank() != 4 || x.size(-1) % 2 != 0)
            throw new IllegalArgumentException("rope needs x [B, H, T, D] with even D, got " + java.util.Arrays.toString(x.shape()));
        int b = x.size(0), t = x.size(2), d = x.size(3);
        if (half() != d / 2)
            throw new IllegalArgumentException("rope table has " + half() + " frequencies, head dim " + d
                    + " needs " + d / 2);
        if (positions.length != b * t)
            throw new IllegalArgumentException("rope got " + positions.length + " position ids, expected B*T = " + b
                    + "*" + t);
        int limit = positions();
        for (int i = 0; i < positions.length; i++)
            if (positions[i] < 0 || positions[i] >= limit)
                throw new IllegalArgumentException("position id " + positions[i] + " at " + i
                        + " is outside the rope table (0.." + (limit - 1) + ")");
    }
}
