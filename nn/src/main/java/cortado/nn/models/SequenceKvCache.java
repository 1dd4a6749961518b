package cortado.nn.models;

import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * Keys and values of up to {@code slots} sequences that come and go independently (continuous batching, as vLLM's
 * scheduler runs them): each live row has its own length, a new sequence {@link #add}s a row between forward passes
 * and a finished one is {@link #remove}d. Per layer one key and one value buffer {@code [slots, Hkv, capacity, D]};
 * the live rows are always {@code 0 .. rows()-1} (removing a row moves the last one into its place), so a forward
 * pass over rows {@code [from, to)} reads contiguous views through {@link #rows(int, int)}.
 *
 * <p>Row b's new tokens are written at its own length {@code L_b} and attend causally with query offset {@code L_b}
 * (the attention kernel's per-row offsets): keys past a row's length, which the longer rows of the view fill, are
 * after its queries and so never seen. Positions count from each row's first token, as when it decodes alone.
 */
public final class SequenceKvCache {
    private final int slots, kvHeads, capacity, headDim;
    private final Tensor[] keys, values; // allocated by the first append, on the backend of its keys and values
    private final int[] lengths;
    private int rows;

    public SequenceKvCache(int layers, int slots, int kvHeads, int capacity, int headDim) {
        if (layers <= 0 || slots <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
            throw new IllegalArgumentException("KV cache sizes must be positive: layers " + layers + ", slots " + slots
                    + ", kv heads " + kvHeads + ", capacity " + capacity + ", head dim " + headDim);
        this.slots = slots;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.lengths = new int[slots];
    }

    /** Live rows. */
    public int rows() { return rows; }

    public int slots() { return slots; }

    /** Most positions one row can hold. */
    public int capacity() { return capacity; }

    /** Positions row {@code row} holds. */
    public int length(int row) {
        checkRow(row);
        return lengths[row];
    }

    /** Opens an empty row for a new sequence; its index (always {@code rows()} before the call). */
    public int add() {
        if (rows == slots) throw new IllegalStateException("KV cache full: all " + slots + " rows hold sequences");
        lengths[rows] = 0;
        return rows++;
    }

    /**
     * Frees row {@code row}: the last live row moves into its place (its keys and values are copied), so the live rows
     * stay contiguous. Returns the index the moved row had (equal to {@code row} when the last row was removed).
     */
    public int remove(int row) {
        checkRow(row);
        int last = rows - 1;
        if (row != last) {
            int n = lengths[last];
            for (int l = 0; l < keys.length; l++) {
                if (keys[l] == null) continue;
                copyRow(keys[l], last, row, n);
                copyRow(values[l], last, row, n);
            }
            lengths[row] = n;
        }
        lengths[last] = 0;
        rows--;
        return last;
    }

    /** A {@link KvCache} over live rows {@code [from, to)}, for one forward pass of batch {@code to - from}. */
    public KvCache rows(int from, int to) {
        if (from < 0 || to > rows || from >= to)
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") are not live rows of [0, " + rows + ")");
        return new View(from, to);
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) throw new IllegalArgumentException("row " + row + " is not a live row of [0, " + rows + ")");
    }

    private static void copyRow(Tensor buffer, int from, int to, int positions) {
        if (positions == 0) return;
        buffer.backend().copyInto(buffer.slice(0, to, to + 1).slice(2, 0, positions),
                buffer.slice(0, from, from + 1).slice(2, 0, positions));
    }

    /** Rows {@code [from, to)} seen as one batch whose rows have their own lengths. */
    private final class View implements KvCache {
        private final int from, to;

        View(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override public int batch() { return to - from; }

        @Override public int capacity() { return capacity; }

        /** The longest row's length: the slots a forward pass reads keys from. */
        @Override
        public int length() {
            int max = 0;
            for (int r = from; r < to; r++) max = Math.max(max, lengths[r]);
            return max;
        }

        @Override
        public KeysValues append(int layer, Tensor k, Tensor v) {
            if (layer < 0 || layer >= keys.length) throw new IllegalArgumentException("no layer " + layer + " in the KV cache");
            int t = k.size(2);
            int[] expected = {batch(), kvHeads, t, headDim};
            if (!Arrays.equals(k.shape(), expected) || !Arrays.equals(v.shape(), expected))
                throw new IllegalArgumentException("KV cache expects keys and values " + Arrays.toString(expected)
                        + ", got " + Arrays.toString(k.shape()) + " and " + Arrays.toString(v.shape()));
            for (int r = from; r < to; r++)
                if (lengths[r] + t > capacity)
                    throw new IllegalStateException("KV cache row " + r + " full: " + lengths[r] + " positions stored, "
                            + t + " more do not fit in " + capacity);
            if (keys[layer] == null) {
                keys[layer] = k.backend().zeros(slots, kvHeads, capacity, headDim);
                values[layer] = v.backend().zeros(slots, kvHeads, capacity, headDim);
            }
            Tensor kb = keys[layer], vb = values[layer];
            for (int b = 0; b < batch(); b++) {
                int r = from + b, len = lengths[r];
                kb.backend().copyInto(kb.slice(0, r, r + 1).slice(2, len, len + t), k.slice(0, b, b + 1));
                vb.backend().copyInto(vb.slice(0, r, r + 1).slice(2, len, len + t), v.slice(0, b, b + 1));
            }
            int s = length() + t;
            return new KeysValues(kb.slice(0, from, to).slice(2, 0, s), vb.slice(0, from, to).slice(2, 0, s));
        }

        @Override
        public void advance(int steps) {
            for (int r = from; r < to; r++)
                if (steps < 0 || lengths[r] + steps > capacity)
                    throw new IllegalStateException("cannot advance KV cache row " + r + " by " + steps + " from "
                            + lengths[r] + " of " + capacity);
            for (int r = from; r < to; r++) lengths[r] += steps;
        }

        @Override
        public void reset() {
            for (int r = from; r < to; r++) lengths[r] = 0;
        }

        /** No left padding: every row starts at slot 0. */
        @Override public int padding(int row) { return 0; }

        @Override
        public void pad(int[] pads) {
            for (int p : pads)
                if (p != 0) throw new UnsupportedOperationException("a per-sequence KV cache has no left padding");
        }

        /** Rows of different lengths need their own positions and query offsets. */
        @Override
        public boolean padded() {
            for (int r = from + 1; r < to; r++) if (lengths[r] != lengths[from]) return true;
            return false;
        }

        @Override
        public int[] positionIds(int seq) {
            int[] pos = new int[batch() * seq];
            for (int b = 0; b < batch(); b++)
                for (int t = 0; t < seq; t++) pos[b * seq + t] = lengths[from + b] + t;
            return pos;
        }

        /** Causal, query 0 of row b at key index L_b (its own length before this pass). */
        @Override
        public AttentionMask attentionMask(int keys) {
            if (!padded()) return AttentionMask.CAUSAL;
            int[] offsets = new int[batch()];
            for (int b = 0; b < batch(); b++) offsets[b] = lengths[from + b];
            return AttentionMask.CAUSAL.withQueryOffsets(offsets);
        }
    }
}
