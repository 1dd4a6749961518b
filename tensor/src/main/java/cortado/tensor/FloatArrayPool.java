package cortado.tensor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Free float arrays of CPU tensors, kept by exact length so the next training step reuses the buffers of the last one
 * instead of handing the garbage collector a few hundred megabytes per step. Only a {@link StepArena} puts arrays in
 * and takes them out; outside one, tensors are ordinary garbage-collected arrays.
 *
 * <p>A training step allocates the same shapes every time, so exact lengths are all the bucketing needed. A length no
 * step asked for during the last arena is dropped when that arena closes ({@link #trim}), so a change of batch shape
 * (validation, a different sequence length) does not leave dead buffers behind.
 */
final class FloatArrayPool {
    static final FloatArrayPool CPU = new FloatArrayPool();

    private static final class Bucket {
        final ArrayDeque<float[]> free = new ArrayDeque<>();
        long lastUsed; // the arena generation that last took from or returned to this bucket
    }

    private final Map<Integer, Bucket> buckets = new HashMap<>();
    private long generation;
    private long pooledFloats;

    /** An array of exactly {@code length} floats with arbitrary contents (a pooled one when available). */
    synchronized float[] take(int length) {
        Bucket b = buckets.get(length);
        if (b != null) {
            b.lastUsed = generation;
            float[] a = b.free.poll();
            if (a != null) {
                pooledFloats -= length;
                return a;
            }
        }
        return new float[length];
    }

    /** Gives {@code array} back for reuse; the caller must hold no other reference to it. */
    synchronized void give(float[] array) {
        Bucket b = buckets.computeIfAbsent(array.length, k -> new Bucket());
        b.lastUsed = generation;
        b.free.push(array);
        pooledFloats += array.length;
    }

    /** Ends a generation: drops the lengths nobody took or returned during it. */
    synchronized void trim() {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            if (b.lastUsed < generation) {
                for (float[] a : b.free) pooledFloats -= a.length;
                it.remove();
            }
        }
        generation++;
    }

    /** Drops every pooled array (tests; a caller that knows no step follows). */
    synchronized void clear() {
        buckets.clear();
        pooledFloats = 0;
    }

    /** Bytes held in free arrays. */
    synchronized long pooledBytes() { return pooledFloats * Float.BYTES; }
}
