package cortado.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The lifetime of the tensors of one training step. While an arena is open on a thread, every CPU tensor that thread
 * creates (heap or off-heap) takes its buffer from a pool and is recorded here; {@link #close} returns all of them to the pool, so the
 * next step reuses the same buffers and the heap stops growing with garbage. Autograd returns buffers sooner: a
 * gradient once its op has consumed it, an activation once the op that produced it has run its backward
 * ({@link #release}).
 *
 * <p>The contract: a tensor created inside an arena does not outlive it. State that must (optimizer moments, caches)
 * is created inside {@link #outside}. A storage given back is emptied, so a tensor used after its arena closed fails
 * with a message naming the arena instead of reading another step's numbers.
 *
 * <pre>
 * try (StepArena arena = StepArena.open()) {
 *     loss = model.loss(...); backward(loss); clip; adamw.step(); zeroGrad();
 * }
 * </pre>
 */
public final class StepArena implements AutoCloseable {
    private static final ThreadLocal<StepArena> CURRENT = new ThreadLocal<>();

    private final StepArena previous;
    private final Thread owner = Thread.currentThread();
    private final List<ArenaStorage> owned = new ArrayList<>();
    private boolean closed;
    private long liveBytes, peakBytes; // bytes of this arena's buffers not yet given back, and their high-water mark

    private StepArena(StepArena previous) { this.previous = previous; }

    /** Opens an arena on the calling thread (arenas nest; an inner one returns its buffers first). */
    public static StepArena open() {
        StepArena a = new StepArena(CURRENT.get());
        CURRENT.set(a);
        return a;
    }

    /** The arena open on the calling thread, or null. */
    public static StepArena current() { return CURRENT.get(); }

    /** Runs {@code body} with no arena open, so what it creates is ordinary long-lived memory. */
    public static <T> T outside(Supplier<T> body) {
        StepArena a = CURRENT.get();
        if (a == null) return body.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            CURRENT.set(a);
        }
    }

    /** A new array for a CPU storage: pooled and recorded inside an arena, a fresh (zeroed) one outside. */
    static float[] allocate(int length, boolean zeroed, CpuStorage storage) {
        StepArena a = CURRENT.get();
        if (a == null) return new float[length];
        float[] data = FloatArrayPool.CPU.take(length);
        if (zeroed) java.util.Arrays.fill(data, 0, length, 0f);
        a.adopt(storage, length);
        return data;
    }

    /**
     * A pooled segment of {@code length} floats for an off-heap storage, recorded in the arena open on this thread
     * (the caller checked that one is open).
     */
    static OffHeapMemory.Block allocate(long length, boolean zeroed, OffHeapStorage storage) {
        StepArena a = CURRENT.get();
        OffHeapMemory.Block b = OffHeapMemory.POOL.take(length);
        if (zeroed) b.segment().fill((byte) 0);
        a.adopt(storage, length);
        return b;
    }

    private void adopt(ArenaStorage storage, long floats) {
        owned.add(storage);
        storage.arena = this;
        liveBytes += floats * Float.BYTES;
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    /** Called by a storage that gave its buffer back. */
    void released(ArenaStorage storage) { liveBytes -= storage.length() * Float.BYTES; }

    /**
     * Moves {@code t}'s buffer to the enclosing arena (a nested scope's result that its caller keeps), or makes it
     * ordinary memory when this arena is the outermost.
     */
    public void handOver(Tensor t) {
        if (!(t.storage() instanceof ArenaStorage c) || c.arena != this || c.isReleased()) return;
        owned.remove(c);
        liveBytes -= c.length() * Float.BYTES;
        c.arena = null;
        if (previous != null) previous.adopt(c, c.length());
    }

    /**
     * Moves {@code t}'s buffer from whichever nested arena made it to the outermost one open on this thread, so it
     * lives until the step ends: parameter gradients made during a recomputation ({@code F.checkpoint}).
     */
    public static void keepForStep(Tensor t) {
        StepArena a = CURRENT.get();
        if (a == null) return;
        while (a.previous != null && t.storage() instanceof ArenaStorage c && c.arena == a) {
            a.handOver(t);
            a = a.previous;
        }
    }

    /**
     * Moves {@code t}'s buffer from the nested arena open on this thread that made it out to {@code target}, an arena
     * it is nested in, or to ordinary memory when {@code target} is null (or no longer open): state made inside a
     * nested scope that must live as long as an outer one, as a KV cache's buffers first allocated by a layer's
     * scope live as long as the arena the cache was made in.
     */
    public static void keepUntil(Tensor t, StepArena target) {
        StepArena a = CURRENT.get();
        while (a != null && a != target && t.storage() instanceof ArenaStorage c && c.arena == a) {
            a.handOver(t);
            a = a.previous;
        }
    }

    /**
     * Returns the buffer of {@code storage} to the pool now, if this arena made it; the caller guarantees nothing reads
     * it again. Returns whether it was released.
     */
    public boolean release(Storage storage) {
        if (!(storage instanceof ArenaStorage c) || c.arena != this || closed) return false;
        return c.release();
    }

    /**
     * Returns {@code storage}'s buffer to the pool now if the arena open on this thread or one it is nested in made it
     * (a gradient handed over to the step's arena); the caller guarantees nothing reads it again.
     */
    public static boolean releaseOwned(Storage storage) {
        for (StepArena a = CURRENT.get(); a != null; a = a.previous)
            if (a.owns(storage)) return a.release(storage);
        return false;
    }

    /** Whether {@code storage} was made in this arena and has not been given back yet. */
    public boolean owns(Storage storage) {
        return storage instanceof ArenaStorage c && c.arena == this && !c.isReleased() && !closed;
    }

    /** The most bytes of this arena's buffers held at once so far (activations and gradients of the step). */
    public long peakBytes() { return peakBytes; }

    /** Bytes of CPU buffers (heap and off-heap) waiting in the pools for the next step. */
    public static long pooledBytes() { return FloatArrayPool.CPU.pooledBytes() + OffHeapMemory.POOL.pooledBytes(); }

    /** Drops the pooled buffers (for callers that know no further step follows); off-heap ones are freed now. */
    public static void drainPool() {
        FloatArrayPool.CPU.clear();
        OffHeapMemory.POOL.clear();
    }

    /** Gives every buffer made in this arena back to the pool. */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a StepArena must be closed on the thread that opened it");
        if (CURRENT.get() != this)
            throw new IllegalStateException("StepArena closed out of order: an inner arena is still open");
        closed = true;
        for (ArenaStorage s : owned) if (s.arena == this) s.release();
        owned.clear();
        // Only a whole step ends a pool generation: a nested scope (a checkpointed block) uses a few sizes, and trimming
        // there would throw away the step's other buffers, garbage the collector must then make room for.
        if (previous == null) {
            FloatArrayPool.CPU.trim();
            OffHeapMemory.POOL.trim();
        }
        if (previous == null) CURRENT.remove();
        else CURRENT.set(previous);
    }
}
