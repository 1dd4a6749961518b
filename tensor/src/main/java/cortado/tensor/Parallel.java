package cortado.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread pool every CPU kernel shares. {@code --threads N} sets its size once at start-up; kernels split work
 * into chunks with {@link #forEach} and never make threads of their own.
 *
 * <p>{@link #setThreads} may run while kernels do: the thread count and its pool are one value that a
 * {@code forEach} reads once, and a helper the retired pool no longer accepts is simply not started, since the caller
 * takes every chunk no helper took.
 */
public final class Parallel {
    /** A thread count and the pool that serves it, replaced together. */
    private record Workers(int threads, ForkJoinPool pool) {}

    private static volatile Workers workers = start(Runtime.getRuntime().availableProcessors());

    private Parallel() {}

    private static Workers start(int n) { return new Workers(n, new ForkJoinPool(n)); }

    /** The number of worker threads kernels may use. */
    public static int threads() { return workers.threads(); }

    /** Sets the number of worker threads (1 runs every kernel on the calling thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        Workers old = workers;
        if (n == old.threads()) return;
        workers = start(n);
        old.pool().shutdown();   // work already submitted to it still runs to the end
    }

    /** A body that processes chunk {@code chunk} of {@code chunks}. */
    @FunctionalInterface
    public interface Chunk { void run(int chunk); }

    /**
     * Runs {@code body} for chunks 0..chunks-1, spread over the pool. With one thread or one chunk it runs inline, so a
     * single-threaded benchmark measures the kernel and not the pool.
     */
    public static void forEach(int chunks, Chunk body) {
        if (chunks <= 0) return;
        Workers w = workers;
        if (chunks == 1 || w.threads() == 1) {
            for (int c = 0; c < chunks; c++) body.run(c);
            return;
        }
        // Work stealing by counter: each worker grabs the next chunk until none are left; the caller works too.
        AtomicInteger next = new AtomicInteger();
        int helpers = Math.min(w.threads(), chunks) - 1;
        Runnable worker = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; ) body.run(c);
        };
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[helpers];
        try {
            for (int i = 0; i < helpers; i++) tasks[i] = w.pool().submit(worker);
        } catch (RejectedExecutionException retired) {
            // setThreads retired this pool meanwhile: fewer helpers, same chunks (the caller takes the rest).
        }
        Throwable failure = null;
        try {
            worker.run();
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> t : tasks) {
            if (t == null) continue;
            try {
                t.join();
            } catch (Throwable t2) {
                if (failure == null) failure = t2;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException(failure);
    }

    /** Splits [0, n) into about {@code threads()} contiguous ranges and runs {@code body(from, to)} on each. */
    public static void forRange(int n, Range body) {
        int chunks = Math.min(n, threads());
        if (chunks <= 1) { if (n > 0) body.run(0, n); return; }
        forEach(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    @FunctionalInterface
    public interface Range { void run(int from, int to); }
}
