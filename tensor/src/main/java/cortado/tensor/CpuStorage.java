package cortado.tensor;

import java.lang.foreign.MemorySegment;

/**
 * float32 elements in ordinary Java memory. A heap array because the Vector API's array loads are its fastest path;
 * {@link #segment()} views the same array as a {@link MemorySegment}, which FFM's critical downcalls accept without a
 * copy.
 *
 * <p>Inside a {@link StepArena} the array comes from a pool and goes back to it when the arena (or autograd, sooner)
 * releases the storage; a released storage has no array, and touching it fails with a message.
 */
public final class CpuStorage implements Storage {
    private float[] data;
    private final int length;
    private boolean deferred; // made under DeferredZeros and not yet used: no array yet
    StepArena arena; // the arena that made this storage, or null for ordinary memory

    public CpuStorage(float[] data) {
        this.data = data;
        this.length = data.length;
    }

    /** {@code length} zeros. */
    public CpuStorage(int length) { this(length, true); }

    /** {@code length} elements, zeroed or with arbitrary contents (for results that a kernel overwrites entirely). */
    public CpuStorage(int length, boolean zeroed) {
        this.length = length;
        // Zeros asked for under DeferredZeros (outside an arena) are allocated by the first array() call.
        this.deferred = zeroed && StepArena.current() == null && DeferredZeros.active();
        this.data = deferred ? null : StepArena.allocate(length, zeroed, this);
    }

    /** The elements themselves; kernels read and write this array directly. */
    public float[] array() {
        float[] d = data;
        if (d == null && deferred) d = materialize();
        if (d == null)
            throw new IllegalStateException("tensor memory was given back to its StepArena's pool (its training step"
                    + " ended, or backward consumed it); a tensor that outlives a step must be created inside"
                    + " StepArena.outside");
        return d;
    }

    /** The zeros of a deferred storage, allocated once even when several threads touch it first together. */
    private synchronized float[] materialize() {
        if (data == null && deferred) {
            data = new float[length];
            deferred = false;
        }
        return data;
    }

    @Override public MemorySegment segment() { return MemorySegment.ofArray(array()); }

    @Override public long length() { return length; }

    @Override public Backend backend() { return Backends.cpu(); }

    boolean isReleased() { return data == null && !deferred; }

    /** Hands the array back to the pool (once); only arena storages are released. */
    boolean release() {
        float[] d = data;
        if (d == null || arena == null) return false;
        data = null;
        arena.released(this);
        FloatArrayPool.CPU.give(d);
        return true;
    }
}
