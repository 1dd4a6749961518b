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
public final class CpuStorage extends ArenaStorage {
    private float[] data;
    private final int length;
    private boolean deferred; // made under DeferredZeros and not yet used: no array yet

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

    /**
     * The elements themselves; kernels read and write this array directly. Inside a {@link StepArena} it may be longer
     * than {@link #length} (a pooled buffer): kernels index by the tensor's shape, never by the array's length.
     */
    public float[] array() {
        float[] d = data;
        if (d == null) d = materialize(); // deferred zeros, or released (then null)
        if (d == null)
            throw new IllegalStateException("tensor memory was given back to its StepArena's pool (its training step"
                    + " ended, or backward consumed it); a tensor that outlives a step must be created inside"
                    + " StepArena.outside");
        return d;
    }

    /**
     * The zeros of a deferred storage, allocated once even when several threads touch it first together; null for a
     * released storage. Synchronized, so a thread that read a stale null sees the array another one made.
     */
    private synchronized float[] materialize() {
        if (data == null && deferred) {
            data = new float[length];
            deferred = false;
        }
        return data;
    }

    /** The storage's {@link #length} elements (a pooled array may be longer; its tail is not this storage's). */
    @Override public MemorySegment segment() { return MemorySegment.ofArray(array()).asSlice(0, (long) length * Float.BYTES); }

    @Override public long length() { return length; }

    @Override public Backend backend() { return Backends.cpu(); }

    @Override boolean isReleased() { return data == null && !deferred; }

    /** Hands the array back to the pool (once); only arena storages are released. */
    @Override boolean release() {
        float[] d = data;
        if (d == null || arena == null) return false;
        data = null;
        arena.released(this);
        FloatArrayPool.CPU.give(d);
        return true;
    }
}
