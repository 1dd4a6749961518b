package cortado.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the memory of {@link OffHeapStorage} comes from, with the two lifetimes heap storage has.
 *
 * <p>Inside a {@link StepArena}: a pool of segments kept by exact length, as {@link FloatArrayPool} does for arrays; each
 * pooled segment has an {@link Arena} of its own, closed (freed at once) when the pool drops it at the end of a step
 * that did not use its length, or when the pool is drained.
 *
 * <p>Outside one: zeroed memory of an automatic arena, freed after the storage becomes unreachable. The collector does
 * not see native memory, so, as {@code java.nio.Bits} does for direct buffers, the bytes held this way are counted and a
 * collection is asked for when they pass a threshold (the heap's maximum at first; twice what survived after that).
 */
final class OffHeapMemory {
    static final OffHeapMemory POOL = new OffHeapMemory();

    /** Segments are aligned to a cache line, so vector loads of a tensor's first elements never straddle two. */
    static final long ALIGNMENT = 64;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong UNPOOLED = new AtomicLong();
    private static volatile long floor = Runtime.getRuntime().maxMemory();
    private static volatile long gcThreshold = floor;

    /** One pooled segment and the arena that frees it. */
    record Block(Arena arena, MemorySegment segment) {}

    private static final class Bucket {
        final ArrayDeque<Block> free = new ArrayDeque<>();
        long lastUsed;
    }

    private final Map<Long, Bucket> buckets = new HashMap<>();
    private long generation;
    private long pooledFloats;

    private OffHeapMemory() {}

    /** Zeroed memory for {@code storage}, freed after the storage is collected. */
    static MemorySegment unpooled(long floats, OffHeapStorage storage) {
        long bytes = floats * Float.BYTES;
        if (UNPOOLED.get() + bytes > gcThreshold) collect();
        MemorySegment s = Arena.ofAuto().allocate(Math.max(bytes, 1), ALIGNMENT).asSlice(0, bytes);
        UNPOOLED.addAndGet(bytes);
        CLEANER.register(storage, () -> UNPOOLED.addAndGet(-bytes));
        return s;
    }

    /** Bytes of unpooled off-heap memory whose storages have not been collected yet. */
    static long unpooledBytes() { return UNPOOLED.get(); }

    private static synchronized void collect() {
        System.gc();
        for (int i = 0; i < 5 && UNPOOLED.get() > gcThreshold; i++) {
            try {
                Thread.sleep(1L << i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        gcThreshold = Math.max(floor, 2 * UNPOOLED.get());
    }

    /** Sets the least unpooled bytes that trigger a collection (the heap's maximum by default); for tests. */
    static void collectAbove(long bytes) {
        floor = bytes;
        gcThreshold = bytes;
    }

    /** A pooled block of exactly {@code floats} floats, contents arbitrary. */
    synchronized Block take(long floats) {
        Bucket b = buckets.get(floats);
        if (b != null) {
            b.lastUsed = generation;
            Block blk = b.free.poll();
            if (blk != null) {
                pooledFloats -= floats;
                return blk;
            }
        }
        Arena arena = Arena.ofShared();
        return new Block(arena, arena.allocate(Math.max(floats * Float.BYTES, 1), ALIGNMENT)
                .asSlice(0, floats * Float.BYTES));
    }

    /** Gives {@code block} back; the caller holds no other reference to its segment. */
    synchronized void give(Block block) {
        long floats = block.segment().byteSize() / Float.BYTES;
        Bucket b = buckets.computeIfAbsent(floats, k -> new Bucket());
        b.lastUsed = generation;
        b.free.push(block);
        pooledFloats += floats;
    }

    /** Ends a generation: frees the lengths nobody took or returned during it. */
    synchronized void trim() {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            if (b.lastUsed < generation) {
                for (Block blk : b.free) free(blk);
                it.remove();
            }
        }
        generation++;
    }

    /** Frees every pooled block. */
    synchronized void clear() {
        for (Bucket b : buckets.values()) for (Block blk : b.free) free(blk);
        buckets.clear();
        pooledFloats = 0;
    }

    private void free(Block blk) {
        pooledFloats -= blk.segment().byteSize() / Float.BYTES;
        blk.arena().close();
    }

    synchronized long pooledBytes() { return pooledFloats * Float.BYTES; }
}
