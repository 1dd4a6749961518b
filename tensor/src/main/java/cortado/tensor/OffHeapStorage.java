package cortado.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * float32 elements in native memory: one {@link MemorySegment} indexed by long, so a tensor may hold more than 2^31
 * elements, computed on by the off-heap backend ({@link Backends#offHeap}). Its lifetimes are those of
 * {@link CpuStorage}: inside a {@link StepArena} the segment comes from a pool and goes back to it when the arena (or
 * autograd, sooner) releases the storage, after which touching it fails with a message; outside one it is freed after
 * the storage is collected ({@link OffHeapMemory}); or it lives exactly as long as an {@link Arena} the caller owns.
 */
public final class OffHeapStorage extends ArenaStorage {
    private MemorySegment segment;
    private OffHeapMemory.Block block; // the pooled block behind segment, or null
    private final long length;

    /** {@code length} floats, zeroed or with arbitrary contents (for results that a kernel overwrites entirely). */
    public OffHeapStorage(long length, boolean zeroed) {
        if (length < 0) throw new IllegalArgumentException("negative storage length " + length);
        this.length = length;
        if (StepArena.current() == null) {
            this.segment = OffHeapMemory.unpooled(length, this);
        } else {
            this.block = StepArena.allocate(length, zeroed, this);
            this.segment = block.segment();
        }
    }

    /**
     * {@code length} zeroed floats allocated in {@code arena}: freed when the caller closes it. The arena must let any
     * thread in (shared, automatic or global: kernels run on {@code Parallel}'s threads).
     */
    public OffHeapStorage(Arena arena, long length) {
        if (length < 0) throw new IllegalArgumentException("negative storage length " + length);
        this.length = length;
        this.segment = arena.allocate(Math.max(length * Float.BYTES, 1), OffHeapMemory.ALIGNMENT)
                .asSlice(0, length * Float.BYTES);
    }

    /** The memory; kernels read and write it directly (element i at byte {@code 4 * i}). */
    @Override
    public MemorySegment segment() {
        MemorySegment s = segment;
        if (s == null)
            throw new IllegalStateException("tensor memory was given back to its StepArena's pool (its training step"
                    + " ended, or backward consumed it); a tensor that outlives a step must be created inside"
                    + " StepArena.outside");
        return s;
    }

    @Override public long length() { return length; }

    @Override public Backend backend() { return Backends.offHeap(); }

    @Override boolean isReleased() { return segment == null; }

    @Override
    boolean release() {
        OffHeapMemory.Block b = block;
        if (segment == null || arena == null || b == null) return false;
        segment = null;
        block = null;
        arena.released(this);
        OffHeapMemory.POOL.give(b);
        return true;
    }
}
