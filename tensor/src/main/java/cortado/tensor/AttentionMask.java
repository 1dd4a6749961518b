package cortado.tensor;

import java.util.Arrays;

/**
 * Which keys each query of a fused attention call may see, described rather than materialised (no [T, S] tensor).
 * Query t of batch row b sits at key index {@code p = queryOffsets[b] + t} (default {@code S - T} for every row: the
 * KV-cache convention, so a plain causal mask is the old behaviour). Key j is visible to that query when all of
 * <ul>
 *   <li>{@code causal}: {@code j <= p} (transformers' {@code causal_mask_function});</li>
 *   <li>{@code slidingWindow = W > 0}: {@code j > p - W}, i.e. the W most recent keys including itself (transformers'
 *       {@code sliding_window_overlay}, Mistral's {@code sliding_window}); only with {@code causal};</li>
 *   <li>{@code keyValid != null}: {@code keyValid[b][j]} (a key-padding mask like transformers' 2-D
 *       {@code attention_mask}; left and right padding, and holes, all work);</li>
 *   <li>{@code sequenceStarts != null}: {@code j >= sequenceStarts[b][p]}, the first key of the packed sequence that
 *       holds position p: several sequences packed in one row attend only within themselves (a block-diagonal causal
 *       mask, what flash-attention's varlen kernel computes from {@code cu_seqlens}); only with {@code causal}.</li>
 * </ul>
 * A query that sees no key gets a zero output, log-sum-exp -inf and zero gradients.
 *
 * @param causal       keys after the query's position are hidden; false: bidirectional (BERT)
 * @param slidingWindow W > 0 limits a causal query to keys (p - W, p]; 0: no window
 * @param queryOffsets per batch row, the key index of query 0; null: S - T for every row
 * @param keyValid     [B][S] true where the key is real; null: every key is real
 * @param sequenceStarts [B][S] for each position p of row b, the key index where its packed sequence begins
 *                     (non-decreasing along p, at most p); null: one sequence per row
 */
public record AttentionMask(boolean causal, int slidingWindow, int[] queryOffsets, boolean[][] keyValid,
                            int[][] sequenceStarts) {
    /** Today's default: causal with query t at position S - T + t. */
    public static final AttentionMask CAUSAL = new AttentionMask(true, 0, null, null);
    /** Every query sees every key. */
    public static final AttentionMask BIDIRECTIONAL = new AttentionMask(false, 0, null, null);

    public AttentionMask {
        if (slidingWindow < 0) throw new IllegalArgumentException("attention sliding window must be >= 0, got " + slidingWindow);
        if (slidingWindow > 0 && !causal)
            throw new IllegalArgumentException("attention sliding window " + slidingWindow + " needs a causal mask");
        if (sequenceStarts != null && !causal)
            throw new IllegalArgumentException("packed sequences need a causal attention mask");
        queryOffsets = queryOffsets == null ? null : queryOffsets.clone();
        if (keyValid != null) {
            boolean[][] copy = new boolean[keyValid.length][];
            for (int b = 0; b < keyValid.length; b++) copy[b] = keyValid[b].clone();
            keyValid = copy;
        }
        if (sequenceStarts != null) {
            int[][] copy = new int[sequenceStarts.length][];
            for (int b = 0; b < sequenceStarts.length; b++) {
                copy[b] = sequenceStarts[b].clone();
                for (int p = 0; p < copy[b].length; p++)
                    if (copy[b][p] < 0 || copy[b][p] > p || (p > 0 && copy[b][p] < copy[b][p - 1]))
                        throw new IllegalArgumentException("packed sequence start " + copy[b][p] + " at position " + p
                                + " of row " + b + " is not in [previous start, " + p + "]");
            }
            sequenceStarts = copy;
        }
    }

    /** A mask without packed sequences (the form every caller used before packing). */
    public AttentionMask(boolean causal, int slidingWindow, int[] queryOffsets, boolean[][] keyValid) {
        this(causal, slidingWindow, queryOffsets, keyValid, null);
    }

    /** The same mask with a sliding window of W keys (W = 0 removes it). */
    public AttentionMask withSlidingWindow(int window) {
        return new AttentionMask(causal, window, queryOffsets, keyValid, sequenceStarts);
    }

    /** The same mask with query 0 of row b at key index {@code offsets[b]}. */
    public AttentionMask withQueryOffsets(int... offsets) {
        return new AttentionMask(causal, slidingWindow, offsets, keyValid, sequenceStarts);
    }

    /** The same mask with key j of row b visible only where {@code valid[b][j]}. */
    public AttentionMask withKeyPadding(boolean[][] valid) {
        return new AttentionMask(causal, slidingWindow, queryOffsets, valid, sequenceStarts);
    }

    /**
     * The same (causal) mask with packed sequences: a query at position p of row b sees no key before
     * {@code starts[b][p]}, the first position of its own sequence.
     */
    public AttentionMask withPackedSequences(int[][] starts) {
        return new AttentionMask(causal, slidingWindow, queryOffsets, keyValid, starts);
    }

    /** The first key position p of row b may see under packing (0 without it). */
    public int sequenceStart(int b, int p) { return sequenceStarts == null ? 0 : sequenceStarts[b][p]; }

    /** The same mask with a transformers-style {@code attention_mask} [B][S]: nonzero marks a real key. */
    public AttentionMask withAttentionMask(int[][] attentionMask) {
        boolean[][] valid = new boolean[attentionMask.length][];
        for (int b = 0; b < valid.length; b++) {
            valid[b] = new boolean[attentionMask[b].length];
            for (int j = 0; j < valid[b].length; j++) valid[b][j] = attentionMask[b][j] != 0;
        }
        return withKeyPadding(valid);
    }

    /** The same mask with row b's real keys in {@code [start[b], end[b])} (left padding: start > 0, end = S). */
    public AttentionMask withKeyRange(int[] start, int[] end, int keys) {
        if (start.length != end.length)
            throw new IllegalArgumentException("attention key range: " + start.length + " starts, " + end.length + " ends");
        boolean[][] valid = new boolean[start.length][keys];
        for (int b = 0; b < start.length; b++) {
            if (start[b] < 0 || end[b] > keys || start[b] > end[b])
                throw new IllegalArgumentException("attention key range of row " + b + " [" + start[b] + ", " + end[b]
                        + ") is not inside [0, " + keys + ")");
            Arrays.fill(valid[b], start[b], end[b], true);
        }
        return withKeyPadding(valid);
    }

    /** True when nothing beyond causal/bidirectional is set, i.e. the mask is {@link #CAUSAL} or {@link #BIDIRECTIONAL}. */
    public boolean isPlain() {
        return slidingWindow == 0 && queryOffsets == null && keyValid == null && sequenceStarts == null;
    }

    /** Key index of query 0 of row b for S keys and T queries. */
    public int queryOffset(int b, int queries, int keys) { return queryOffsets == null ? keys - queries : queryOffsets[b]; }

    /**
     * Whether query {@code i} of row b sees key {@code j}, for T queries and S keys: the key is real, and under a causal
     * mask it lies at or before the query's position p = offset + i and, with a window W, after p - W. What the fused
     * kernel computes, for a path that needs the probabilities themselves (dropout on them).
     */
    public boolean visible(int b, int i, int j, int queries, int keys) {
        if (keyValid != null && !keyValid[b][j]) return false;
        if (!causal) return true;
        int p = queryOffset(b, queries, keys) + i;
        return j <= p && (slidingWindow == 0 || j > p - slidingWindow) && j >= sequenceStart(b, p);
    }

    /**
     * The mask as an additive tensor {@code [B, 1, T, S]} on {@code backend}: 0 where query i of row b sees key j
     * ({@link #visible}), the float minimum where it does not (transformers' eager additive mask), for a path that
     * adds it to explicit attention scores.
     */
    public Tensor additive(Backend backend, int batch, int queries, int keys) {
        check(batch, queries, keys);
        float[] m = new float[batch * queries * keys];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < queries; i++)
                for (int j = 0; j < keys; j++)
                    if (!visible(b, i, j, queries, keys)) m[(b * queries + i) * keys + j] = -Float.MAX_VALUE;
        return backend.fromArray(m, batch, 1, queries, keys);
    }

    /** Throws IllegalArgumentException naming the first disagreement with q [B, H, T, D] and k [B, Hkv, S, D]. */
    public void check(int batch, int queries, int keys) {
        if (queryOffsets == null) {
            if (causal && keys < queries)
                throw new IllegalArgumentException("causal attention with fewer keys (" + keys + ") than queries ("
                        + queries + ") needs query offsets");
        } else {
            if (queryOffsets.length != batch)
                throw new IllegalArgumentException("attention query offsets: " + queryOffsets.length + " for batch " + batch);
            for (int b = 0; b < batch; b++)
                if (queryOffsets[b] < 0 || queryOffsets[b] + queries > keys)
                    throw new IllegalArgumentException("attention query offset " + queryOffsets[b] + " of row " + b
                            + " puts " + queries + " queries outside " + keys + " keys");
        }
        if (keyValid != null) {
            if (keyValid.length != batch)
                throw new IllegalArgumentException("attention key mask has " + keyValid.length + " rows for batch " + batch);
            for (int b = 0; b < batch; b++)
                if (keyValid[b].length != keys)
                    throw new IllegalArgumentException("attention key mask row " + b + " has " + keyValid[b].length
                            + " entries for " + keys + " keys");
        }
        if (sequenceStarts != null) {
            if (sequenceStarts.length != batch)
                throw new IllegalArgumentException("packed sequence starts have " + sequenceStarts.length
                        + " rows for batch " + batch);
            for (int b = 0; b < batch; b++)
                if (sequenceStarts[b].length != keys)
                    throw new IllegalArgumentException("packed sequence starts row " + b + " has "
                            + sequenceStarts[b].length + " entries for " + keys + " keys");
        }
    }

    @Override
    public String toString() {
        return "AttentionMask[" + (causal ? "causal" : "bidirectional")
                + (slidingWindow > 0 ? ", window " + slidingWindow : "")
                + (queryOffsets != null ? ", offsets " + Arrays.toString(queryOffsets) : "")
                + (keyValid != null ? ", key mask [" + keyValid.length + "][...]" : "")
                + (sequenceStarts != null ? ", packed sequences" : "") + "]";
    }
}
