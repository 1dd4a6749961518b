package cortado.nn;

/**
 * Position ids as Hugging Face's {@code position_ids}: one per token, row-major {@code [B, T]}. Without padding every
 * row of a forward pass is {@code start .. start+T-1}; a batch of left-padded prompts gives each row its own ids.
 */
public final class PositionIds {
    private PositionIds() {}

    /** {@code start .. start+T-1} in each of the {@code batch} rows. */
    public static int[] range(int batch, int seq, int start) {
        if (batch <= 0 || seq <= 0) throw new IllegalArgumentException("batch and sequence length must be positive, got "
                + batch + " x " + seq);
        if (start < 0) throw new IllegalArgumentException("start position " + start + " < 0");
        if ((long) start + seq - 1 > Integer.MAX_VALUE) throw new IllegalArgumentException("positions overflow an int");
        int[] p = new int[batch * seq];
        for (int b = 0; b < batch; b++) for (int t = 0; t < seq; t++) p[b * seq + t] = start + t;
        return p;
    }

    /** Checks that {@code positions} holds B*T non-negative ids and returns the largest. */
    public static int max(int[] positions, int batch, int seq) {
        if (positions.length != batch * seq)
            throw new IllegalArgumentException("got " + positions.length + " position ids, expected B*T = " + batch + "*"
                    + seq);
        int max = -1;
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < 0) throw new IllegalArgumentException("position id " + positions[i] + " at " + i + " < 0");
            max = Math.max(max, positions[i]);
        }
        return max;
    }
}
