package cortado.nn.models;

import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A paged KV cache for continuous batching (vLLM's PagedAttention, Kwon et al. 2023): per layer one key and one value
 * pool {@code [N, Hkv, bs, D]} of N blocks of bs positions, shared by up to {@code slots} sequences, each with a block
 * table mapping its positions to blocks. Blocks are taken as a sequence grows and released when it is
 * {@link #remove}d; attention reads them in place through the tables ({@code Backend.pagedAttention}).
 *
 * <p>Automatic prefix caching as vLLM's: every full block is cached under a {@link BlockHash} chained over the tokens
 * before it ({@link #cacheFullBlocks}), and a new sequence {@link #add}ed with a prompt starts from the longest run of
 * cached full blocks of that prompt (shared, reference counted), so only the rest is prefilled. At least the prompt's
 * last token is always computed, since its logits give the first new token.
 *
 * <p>A sequence is admitted only when the blocks it may still need ({@code reserveTokens}, its prompt and longest
 * completion) fit beside what the running ones may still take, so a decode step never runs out of blocks; one that
 * does not fit waits ({@link #add} returns -1). The live rows are {@code 0 .. rows()-1}
 * (removing a row moves the last one's table into its place, no keys are copied).
 */
public final class PagedKvCache {
    private final int slots, kvHeads, capacity, headDim;
    private final KvBlockPool pool;
    private final Tensor[] keys, values; // allocated by the first append, on the backend of its keys and values
    private final Row[] live;
    private int rows;

    /** One sequence: its block table, committed length, reserved blocks and the hash chain of its full blocks. */
    private static final class Row {
        int[] table = new int[4];
        int blocks, length, reserve;
        final List<BlockHash> hashes = new ArrayList<>();
        String extra;
    }

    public PagedKvCache(int layers, int slots, int kvHeads, int capacity, int headDim, KvBlockPool pool) {
        if (layers <= 0 || slots <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
            throw new IllegalArgumentException("KV cache sizes must be positive: layers " + layers + ", slots " + slots
                    + ", kv heads " + kvHeads + ", capacity " + capacity + ", head dim " + headDim);
        this.slots = slots;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        this.pool = pool;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.live = new Row[slots];
    }

    /** Live rows. */
    public int rows() { return rows; }

    public int slots() { return slots; }

    /** Most positions one row can hold. */
    public int capacity() { return capacity; }

    public KvBlockPool pool() { return pool; }

    /** Positions row {@code row} holds. */
    public int length(int row) { return row(row).length; }

    /** Blocks row {@code row}'s table holds. */
    public int blocks(int row) { return row(row).blocks; }

    /** Whether a sequence of {@code tokens} positions could ever be admitted (with the pool otherwise empty). */
    public boolean fits(int tokens) { return tokens <= capacity && pool.blocksFor(tokens) <= pool.blocks(); }

    /**
     * Cached tokens of {@code ids[0, count)}: the longest run of full blocks from the start held in the prefix cache
     * under {@code extra}, leaving at least the last token to compute. Looks only; nothing is acquired.
     */
    public int cachedPrefix(int[] ids, int count, String extra) { return hits(ids, count, extra).size() * pool.blockSize(); }

    private List<BlockHash> hits(int[] ids, int count, String extra) {
        List<BlockHash> chain = new ArrayList<>();
        int bs = pool.blockSize();
        BlockHash parent = null;
        for (int i = 0; (i + 1) * bs <= count - 1; i++) {
            BlockHash h = BlockHash.of(parent, ids, i * bs, bs, extra);
            if (pool.cachedBlock(h) < 0) break;
            chain.add(h);
            parent = h;
        }
        return chain;
    }

    /**
     * Opens a row for a sequence whose first {@code count} tokens are {@code ids[0, count)} and that may grow to
     * {@code reserveTokens} positions, reusing the longest cached prefix of full blocks (its length is the row's
     * {@link #length} on return: those positions need no prefill). {@code extra} keys the prefix cache (null: none;
     * an adapter name, so adapters never share blocks). Returns the row, or -1 when no row is free or the blocks it
     * may need do not fit beside those the running rows may still take: the sequence waits.
     */
    public int add(int[] ids, int count, int reserveTokens, String extra) {
        if (count <= 0 || count > ids.length || reserveTokens < count || reserveTokens > capacity)
            throw new IllegalArgumentException("a sequence of " + count + " tokens reserving " + reserveTokens
                    + " positions does not fit rows of " + capacity);
        if (!fits(reserveTokens))
            throw new IllegalArgumentException("a sequence of " + reserveTokens + " positions needs "
                    + pool.blocksFor(reserveTokens) + " KV blocks, the pool has " + pool.blocks());
        if (rows == slots) return -1;
        List<BlockHash> chain = hits(ids, count, extra);
        int takenBack = 0;   // hit blocks now evictable: acquiring them takes them out of what is available
        for (BlockHash h : chain) if (pool.evictable(pool.cachedBlock(h))) takenBack++;
        int need = pool.blocksFor(reserveTokens) - chain.size();
        if (need > pool.available() - takenBack - outstanding()) return -1;
        Row r = new Row();
        r.extra = extra;
        r.reserve = pool.blocksFor(reserveTokens);
        for (BlockHash h : chain) {
            int b = pool.cachedBlock(h);
            pool.acquire(b);
            push(r, b);
            r.hashes.add(h);
        }
        r.length = chain.size() * pool.blockSize();
        live[rows] = r;
        return rows++;
    }

    /** Blocks the live rows may still allocate within their reservations. */
    private int outstanding() {
        int n = 0;
        for (int i = 0; i < rows; i++) n += Math.max(0, live[i].reserve - live[i].blocks);
        return n;
    }

    /** Reserved blocks the live rows may still take (not yet allocated). */
    public int reservedBlocks() { return outstanding(); }

    /**
     * Takes the blocks row {@code row} needs for {@code tokens} more positions; false when the pool runs out first
     * (the blocks taken so far stay with the row): the caller then frees another row (preemption) and asks again.
     */
    public boolean grow(int row, int tokens) {
        Row r = row(row);
        int need = pool.blocksFor(Math.min(capacity, r.length + tokens));
        while (r.blocks < need) {
            if (pool.available() == 0) return false;
            push(r, pool.allocate());
        }
        return true;
    }

    private static void push(Row r, int block) {
        if (r.blocks == r.table.length) r.table = Arrays.copyOf(r.table, 2 * r.table.length);
        r.table[r.blocks++] = block;
    }

    /**
     * Caches row {@code row}'s full blocks not cached yet, {@code ids} being its tokens (at least its length of
     * them): call after each forward pass so later requests can share them. A block whose prefix another block
     * already caches stays private to the row.
     */
    public void cacheFullBlocks(int row, int[] ids) {
        Row r = row(row);
        int bs = pool.blockSize();
        for (int i = r.hashes.size(); (i + 1) * bs <= r.length; i++) {
            BlockHash h = BlockHash.of(i == 0 ? null : r.hashes.get(i - 1), ids, i * bs, bs, r.extra);
            pool.cache(r.table[i], h);
            r.hashes.add(h);
        }
    }

    /**
     * Frees row {@code row}, releasing its blocks (cached ones stay reusable until evicted); the last live row moves
     * into its place. Returns the index the moved row had (equal to {@code row} when the last row was removed).
     */
    public int remove(int row) {
        Row r = row(row);
        // Released last block first, so that eviction (least recently released first) takes a prefix's tail first.
        for (int i = r.blocks - 1; i >= 0; i--) pool.release(r.table[i]);
        r.blocks = 0;
        int last = rows - 1;
        live[row] = live[last];
        live[last] = null;
        rows--;
        return last;
    }

    /** A {@link KvCache} over live rows {@code [from, to)}, for one forward pass of batch {@code to - from}. */
    public KvCache rows(int from, int to) {
        if (from < 0 || to > rows || from >= to)
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") are not live rows of [0, " + rows + ")");
        return new View(from, to);
    }

    private Row row(int row) {
        if (row < 0 || row >= rows) throw new IllegalArgumentException("row " + row + " is not a live row of [0, " + rows + ")");
        return live[row];
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

        /** The longest row's length: query offsets and key counts follow from it. */
        @Override
        public int length() {
            int max = 0;
            for (int r = from; r < to; r++) max = Math.max(max, live[r].length);
            return max;
        }

        @Override public boolean paged() { return true; }

        /** Writes {@code k}, {@code v} {@code [B, Hkv, T, D]} into each row's blocks at its length, taking blocks. */
        private void write(int layer, Tensor k, Tensor v) {
            if (layer < 0 || layer >= keys.length) throw new IllegalArgumentException("no layer " + layer + " in the KV cache");
            int t = k.size(2), bs = pool.blockSize();
            int[] expected = {batch(), kvHeads, t, headDim};
            if (!Arrays.equals(k.shape(), expected) || !Arrays.equals(v.shape(), expected))
                throw new IllegalArgumentException("KV cache expects keys and values " + Arrays.toString(expected)
                        + ", got " + Arrays.toString(k.shape()) + " and " + Arrays.toString(v.shape()));
            for (int i = from; i < to; i++) {
                Row r = live[i];
                if (r.length + t > capacity)
                    throw new IllegalStateException("KV cache row " + i + " full: " + r.length + " positions stored, "
                            + t + " more do not fit in " + capacity);
                while (r.blocks < pool.blocksFor(r.length + t)) push(r, pool.allocate());
            }
            if (keys[layer] == null) {
                keys[layer] = k.backend().zeros(pool.blocks(), kvHeads, bs, headDim);
                values[layer] = v.backend().zeros(pool.blocks(), kvHeads, bs, headDim);
            }
            Tensor kb = keys[layer], vb = values[layer];
            for (int b = 0; b < batch(); b++) {
                Row r = live[from + b];
                for (int j = 0; j < t; ) {
                    int p = r.length + j, blk = r.table[p / bs], off = p % bs, n = Math.min(t - j, bs - off);
                    kb.backend().copyInto(kb.slice(0, blk, blk + 1).slice(2, off, off + n),
                            k.slice(0, b, b + 1).slice(2, j, j + n));
                    vb.backend().copyInto(vb.slice(0, blk, blk + 1).slice(2, off, off + n),
                            v.slice(0, b, b + 1).slice(2, j, j + n));
                    j += n;
                }
            }
        }

        @Override
        public Tensor attend(int layer, Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
            write(layer, k, v);
            int t = k.size(2);
            int[][] tables = new int[batch()][];
            int[] lengths = new int[batch()];
            for (int b = 0; b < batch(); b++) {
                Row r = live[from + b];
                tables[b] = r.table;
                lengths[b] = r.length + t;
            }
            return q.backend().pagedAttention(q, keys[layer], values[layer], tables, lengths, mask, scale).out();
        }

        /** The keys and values gathered per row (a copy): for callers that need them as tensors, not the decode path. */
        @Override
        public KeysValues append(int layer, Tensor k, Tensor v) {
            write(layer, k, v);
            int t = k.size(2), s = length() + t, bs = pool.blockSize();
            Tensor kb = keys[layer], vb = values[layer];
            Tensor ko = k.backend().zeros(batch(), kvHeads, s, headDim), vo = v.backend().zeros(batch(), kvHeads, s, headDim);
            for (int b = 0; b < batch(); b++) {
                Row r = live[from + b];
                for (int j0 = 0; j0 < r.length + t; j0 += bs) {
                    int n = Math.min(bs, r.length + t - j0), blk = r.table[j0 / bs];
                    ko.backend().copyInto(ko.slice(0, b, b + 1).slice(2, j0, j0 + n), kb.slice(0, blk, blk + 1).slice(2, 0, n));
                    vo.backend().copyInto(vo.slice(0, b, b + 1).slice(2, j0, j0 + n), vb.slice(0, blk, blk + 1).slice(2, 0, n));
                }
            }
            return new KeysValues(ko, vo);
        }

        @Override
        public void advance(int steps) {
            for (int r = from; r < to; r++)
                if (steps < 0 || live[r].length + steps > Math.min(capacity, live[r].blocks * pool.blockSize()))
                    throw new IllegalStateException("cannot advance KV cache row " + r + " by " + steps + " from "
                            + live[r].length + " with " + live[r].blocks + " blocks");
            for (int r = from; r < to; r++) live[r].length += steps;
        }

        /** Refused: a row's blocks are released by {@link PagedKvCache#remove}, which also keeps the prefix cache right. */
        @Override
        public void reset() {
            throw new UnsupportedOperationException("a paged KV cache row is freed with remove(row), not reset");
        }

        /** No left padding: every row starts at slot 0. */
        @Override public int padding(int row) { return 0; }

        @Override
        public void pad(int[] pads) {
            for (int p : pads)
                if (p != 0) throw new UnsupportedOperationException("a paged KV cache has no left padding");
        }

        /** Rows of different lengths need their own positions and query offsets. */
        @Override
        public boolean padded() {
            for (int r = from + 1; r < to; r++) if (live[r].length != live[from].length) return true;
            return false;
        }

        @Override
        public int[] positionIds(int seq) {
            int[] pos = new int[batch() * seq];
            for (int b = 0; b < batch(); b++)
                for (int t = 0; t < seq; t++) pos[b * seq + t] = live[from + b].length + t;
            return pos;
        }

        /** Causal, query 0 of row b at key index L_b (its own length before this pass). */
        @Override
        public AttentionMask attentionMask(int keys) {
            if (!padded()) return AttentionMask.CAUSAL;
            int[] offsets = new int[batch()];
            for (int b = 0; b < batch(); b++) offsets[b] = live[from + b].length;
            return AttentionMask.CAUSAL.withQueryOffsets(offsets);
        }
    }
}
