package cortado.nn.models;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The bookkeeping of a paged KV cache's fixed pool of blocks (vLLM's BlockPool): which blocks are free, how many
 * sequences reference each, and which full blocks are cached under a {@link BlockHash} for reuse by a later request
 * with the same prefix. A block whose last reference is released stays cached (evictable) if it has a hash; a new
 * block is taken from never-cached free blocks first, then by evicting the least recently released cached block,
 * which drops its hash. No tensors: {@link PagedKvCache} holds the keys and values the block ids index.
 */
public final class KvBlockPool {
    private final int blocks, blockSize;
    private final int[] refs;
    private final BlockHash[] hashOf;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();   // iteration order: least recently released first
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private long evictions;

    public KvBlockPool(int blocks, int blockSize) {
        if (blocks <= 0 || blockSize <= 0)
            throw new IllegalArgumentException("a KV block pool needs positive blocks and block size, got " + blocks
                    + " and " + blockSize);
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.refs = new int[blocks];
        this.hashOf = new BlockHash[blocks];
        for (int b = 0; b < blocks; b++) free.add(b);
    }

    public int blocks() { return blocks; }

    public int blockSize() { return blockSize; }

    /** Blocks a sequence of {@code tokens} positions occupies. */
    public int blocksFor(int tokens) { return (tokens + blockSize - 1) / blockSize; }

    /** Blocks referenced by at least one sequence. */
    public int inUse() { return blocks - free.size() - evictable.size(); }

    /** Unreferenced blocks that still hold a cached prefix (reusable until evicted). */
    public int cachedFree() { return evictable.size(); }

    /** Blocks a new allocation can take: never-cached free ones and evictable cached ones. */
    public int available() { return free.size() + evictable.size(); }

    /** Cached blocks evicted so far to make room. */
    public long evictions() { return evictions; }

    /** References to {@code block}. */
    public int refs(int block) { return refs[check(block)]; }

    /** The block cached under {@code hash}, or -1. */
    public int cachedBlock(BlockHash hash) { return cached.getOrDefault(hash, -1); }

    /** Whether {@code block} is cached and unreferenced, so acquiring it takes it out of {@link #available()}. */
    public boolean evictable(int block) { return evictable.contains(check(block)); }

    /** A fresh block with one reference; throws when none is available. */
    public int allocate() {
        Integer b = free.poll();
        if (b == null) {
            var it = evictable.iterator();
            if (!it.hasNext())
                throw new IllegalStateException("KV cache out of blocks: all " + blocks + " blocks are in use");
            b = it.next();
            it.remove();
            cached.remove(hashOf[b]);
            hashOf[b] = null;
            evictions++;
        }
        refs[b] = 1;
        return b;
    }

    /** One more reference to a block that is in use or cached (a prefix-cache hit takes it back from eviction). */
    public void acquire(int block) {
        check(block);
        if (refs[block] == 0) {
            if (!evictable.remove(block))
                throw new IllegalStateException("block " + block + " is free and holds no cached prefix");
        }
        refs[block]++;
    }

    /** Drops one reference; at zero the block becomes evictable if cached, free otherwise. */
    public void release(int block) {
        check(block);
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " released more often than acquired");
        if (--refs[block] > 0) return;
        if (hashOf[block] != null) evictable.add(block);
        else free.add(block);
    }

    /**
     * Caches the full, referenced {@code block} under {@code hash}. When another block already holds that prefix (two
     * requests computed it at once) the mapping is kept and this block stays uncached: returns false.
     */
    public boolean cache(int block, BlockHash hash) {
        check(block);
        if (refs[block] <= 0) throw new IllegalStateException("only a referenced block is cached, not free block " + block);
        if (hashOf[block] != null) return hashOf[block].equals(hash);
        if (cached.putIfAbsent(hash, block) != null) return false;
        hashOf[block] = hash;
        return true;
    }

    private int check(int block) {
        if (block < 0 || block >= blocks) throw new IllegalArgumentException("block " + block + " outside [0, " + blocks + ")");
        return block;
    }
}
