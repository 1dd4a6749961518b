package cortado.gpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator over cudaMalloc (cudaMalloc and cudaFree synchronize the device and cost tens of microseconds;
 * a training step allocates thousands of tensors). Sizes are rounded into classes (powers of two from 512 bytes up
 * to 1 MiB, then multiples of 2 MiB), a freed block waits in its class's list and the next request of that class takes
 * it. Blocks come back when their {@link CudaStorage} is collected (a Cleaner: the collector does not see device
 * bytes, so on a failed cudaMalloc the allocator asks for a collection, waits briefly for blocks to come back, then
 * frees every cached block and tries again before reporting out of memory). Reuse is safe without events because all
 * work runs on one stream: a kernel that still reads a freed block is queued before any kernel of its next owner.
 * Never managed memory: a request beyond the device's memory fails.
 */
final class DeviceMemory {
    /** The raw device allocator (cudaMalloc/cudaFree; a fake in tests). */
    interface Raw {
        /** A device address of {@code bytes}, or 0 when out of memory. */
        long mallocOrZero(long bytes);

        void free(long pointer);
    }

    /** Thrown when the device has no room even after the cache was emptied. */
    static final class OutOfDeviceMemory extends RuntimeException {
        OutOfDeviceMemory(String message) { super(message); }
    }

    private static final long SMALL_LIMIT = 1L << 20, LARGE_STEP = 2L << 20, MIN_BLOCK = 512;

    private final Raw raw;
    private final Map<Long, ArrayDeque<Long>> cached = new HashMap<>();
    private long cachedBytes, liveBytes, peakLiveBytes;

    DeviceMemory(Raw raw) { this.raw = raw; }

    /** The size class of a request: what is actually allocated. */
    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation " + bytes);
        if (bytes <= MIN_BLOCK) return MIN_BLOCK;
        if (bytes <= SMALL_LIMIT) return Long.highestOneBit(bytes - 1) << 1;
        return (bytes + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
    }

    /** A device block of at least {@code bytes}; give it back with {@link #give} and its {@link #sizeClass}. */
    long allocate(long bytes) {
        long size = sizeClass(bytes);
        long p = takeCached(size);
        if (p != 0) return p;
        p = raw.mallocOrZero(size);
        // Out of memory: unreachable tensors may still hold blocks. Collect, let the cleaners return them, retry.
        for (int attempt = 0; p == 0 && attempt < 6; attempt++) {
            System.gc();
            try {
                Thread.sleep(1L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            p = takeCached(size);
            if (p == 0) {
                emptyCache();
                p = raw.mallocOrZero(size);
            }
        }
        if (p == 0)
            throw new OutOfDeviceMemory("CUDA device out of memory: " + size + " bytes asked with " + liveBytes
                    + " bytes in live tensors (peak " + peakLiveBytes + ") after freeing the allocator's cache");
        synchronized (this) {
            liveBytes += size;
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        }
        return p;
    }

    private synchronized long takeCached(long size) {
        ArrayDeque<Long> q = cached.get(size);
        if (q == null || q.isEmpty()) return 0;
        cachedBytes -= size;
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return q.pop();
    }

    /** Returns a block (any thread: only bookkeeping, no CUDA call). */
    synchronized void give(long pointer, long size) {
        cached.computeIfAbsent(size, s -> new ArrayDeque<>()).push(pointer);
        cachedBytes += size;
        liveBytes -= size;
    }

    /** Frees every cached block back to the device. */
    void emptyCache() {
        Map<Long, ArrayDeque<Long>> blocks;
        synchronized (this) {
            blocks = new HashMap<>(cached);
            cached.clear();
            cachedBytes = 0;
        }
        for (ArrayDeque<Long> q : blocks.values()) for (long p : q) raw.free(p);
    }

    synchronized long cachedBytes() { return cachedBytes; }

    synchronized long liveBytes() { return liveBytes; }

    synchronized long peakLiveBytes() { return peakLiveBytes; }
}
