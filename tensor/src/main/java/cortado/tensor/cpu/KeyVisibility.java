package cortado.tensor.cpu;

import cortado.tensor.AttentionMask;

/**
 * An {@link AttentionMask} resolved for one call of the attention kernel: per batch row the query offset and the span
 * [lo, hi) of real keys, so that whole key tiles outside every query's window are skipped and, where a row's real keys
 * are contiguous (no holes), masking is two range checks per query and tile.
 *
 * <p>For query i of row b at position p = offset_b + i, the visible keys are the real keys in [first, end) with
 * first = max(lo_b, p - W + 1, start_b(p)) (window W, packed sequences starting at start_b(p)) and
 * end = min(hi_b, p + 1) (causal). Both bounds are non-decreasing in i.
 */
final class KeyVisibility {
    private final boolean causal;
    private final int window, t, s;
    private final int[] offset, lo, hi;
    private final boolean[] holes;
    private final boolean[][] valid;
    private final AttentionMask mask;

    KeyVisibility(AttentionMask mask, int batch, int t, int s) {
        mask.check(batch, t, s);
        this.causal = mask.causal();
        this.window = mask.slidingWindow();
        this.t = t;
        this.s = s;
        this.valid = mask.keyValid();
        this.mask = mask;
        offset = new int[batch];
        lo = new int[batch];
        hi = new int[batch];
        holes = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            offset[b] = mask.queryOffset(b, t, s);
            if (valid == null) {
                hi[b] = s;
                continue;
            }
            boolean[] row = valid[b];
            int first = 0, last = s;
            while (first < s && !row[first]) first++;
            while (last > first && !row[last - 1]) last--;
            lo[b] = first;
            hi[b] = last;
            for (int j = first; j < last && !holes[b]; j++) holes[b] = !row[j];
        }
    }

    /** First key query i of row b may see (inclusive). */
    int first(int b, int i) {
        int f = window > 0 ? Math.max(lo[b], offset[b] + i - window + 1) : lo[b];
        return mask.sequenceStarts() == null ? f : Math.max(f, mask.sequenceStart(b, Math.min(s - 1, offset[b] + i)));
    }

    /** One past the last key query i of row b may see; at most {@link #first} when it sees none. */
    int end(int b, int i) { return causal ? Math.min(hi[b], offset[b] + i + 1) : hi[b]; }

    /** First query of row b that may see a key in [j0, j1). */
    int queryStart(int b, int j0) { return causal ? Math.max(0, j0 - offset[b]) : 0; }

    /** One past the last query of row b that may see a key in [j0, j1). */
    int queryEnd(int b, int j1) { return window > 0 ? Math.max(0, Math.min(t, j1 + window - 1 - offset[b])) : t; }

    /** Whether row b has padding keys between its first and last real key, so each key must be tested. */
    boolean hasHoles(int b) { return holes[b]; }

    boolean isValid(int b, int j) { return valid == null || valid[b][j]; }

    int keys() { return s; }
}
