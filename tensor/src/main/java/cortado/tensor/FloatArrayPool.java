package cortado.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free float arrays of CPU tensors, kept by length so the next step reuses the buffers of the last one instead of
 * handing the garbage collector a few hundred megabytes per step. Only a {@link StepArena} puts arrays in and takes
 * them out; outside one, tensors are ordinary garbage-collected arrays.
 *
 * <p>A training step allocates the same shapes every time, and an array of the exact length is taken first. When none
 * is free, a free array up to a quarter longer serves (a {@link CpuStorage} keeps its own length, so kernels never read
 * the tail). Evaluation batches and serving steps vary in shape from one to the next; were every new shape a new
 * array, the arrays would be pooled, survive young collections, be dropped a step later and pile up as old-generation
 * garbage that the serial collector grows the heap for rather than collects (issue 12: 12 GiB RSS for 0.8 GiB live).
 *
 * <p>What the pool keeps is bounded by what the steps use: when an arena closes ({@link #trim}), free arrays beyond
 * {@code HEADROOM} times the most memory the last {@value #RECENT} generations had out at once are dropped, least
 * recently used first, as a caching allocator evicts. A change of batch shape thus keeps the old shape's buffers only
 * while they fit in that budget.
 */
final class FloatArrayPool {
    static final FloatArrayPool CPU = new FloatArrayPool();

    /** Generations whose peak sets the budget, and the budget as a multiple of that peak. */
    static final int RECENT = 4;
    static final double HEADROOM = 2.0;

    private static final class Bucket {
        final ArrayDeque<float[]> free = new ArrayDeque<>();
        long lastUsed; // the arena generation that last took from or returned to this bucket
    }

    private final TreeMap<Integer, Bucket> buckets = new TreeMap<>();
    private final long[] recentPeaks = new long[RECENT]; // floats out at once, per generation, a ring
    private long generation;
    private long pooledFloats, outstandingFloats, peakFloats;

    /**
     * An array of at least {@code length} floats (at most a quarter more) with arbitrary contents: a pooled one of that
     * exact length, else the shortest pooled one that fits, else a new one of exactly {@code length}.
     */
    synchronized float[] take(int length) {
        Bucket exact = buckets.get(length);
        if (exact != null) exact.lastUsed = generation;
        float[] a = null;
        long longest = length + (length >> 2);
        for (Map.Entry<Integer, Bucket> e : buckets.tailMap(length, true).entrySet()) {
            if (e.getKey() > longest) break;
            a = e.getValue().free.poll();
            if (a != null) {
                e.getValue().lastUsed = generation;
                pooledFloats -= a.length;
                break;
            }
        }
        if (a == null) a = new float[length];
        outstandingFloats += a.length;
        peakFloats = Math.max(peakFloats, outstandingFloats);
        return a;
    }

    /** Gives {@code array} (from {@link #take}) back for reuse; the caller must hold no other reference to it. */
    synchronized void give(float[] array) {
        Bucket b = buckets.computeIfAbsent(array.length, k -> new Bucket());
        b.lastUsed = generation;
        b.free.push(array);
        pooledFloats += array.length;
        outstandingFloats -= array.length;
    }

    /** Ends a generation: drops free arrays, least recently used first, until the pool fits its budget. */
    synchronized void trim() {
        recentPeaks[(int) (generation % RECENT)] = peakFloats;
        long budget = 0;
        for (long p : recentPeaks) budget = Math.max(budget, p);
        budget = (long) (HEADROOM * budget);
        if (pooledFloats > budget) {
            List<Bucket> byAge = new ArrayList<>(buckets.values());
            byAge.sort(Comparator.comparingLong(b -> b.lastUsed));
            for (Bucket b : byAge) {
                while (pooledFloats > budget && !b.free.isEmpty()) pooledFloats -= b.free.poll().length;
                if (pooledFloats <= budget) break;
            }
        }
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            if (b.free.isEmpty() && generation - b.lastUsed >= RECENT) it.remove();
        }
        generation++;
        peakFloats = outstandingFloats;
    }

    /** Drops every pooled array (tests; a caller that knows no step follows). */
    synchronized void clear() {
        buckets.clear();
        pooledFloats = 0;
    }

    /** Bytes held in free arrays. */
    synchronized long pooledBytes() { return pooledFloats * Float.BYTES; }
}
