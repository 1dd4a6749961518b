package cortado.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread pool every CPU kernel shares. {@code --threads N} sets its size once at start-up; kernels split work
 * into chunks with {@link #forEach} and never make threads of their own.
 *
 * <p>The pool is N-1 persistent helper threads plus the caller. Decoding calls {@code forEach} hundreds of times per
 * token, each for a few hundred microseconds of work, so what a call costs beyond its work matters: a helper that
 * finishes waits for the next call by spinning for {@link #SPIN_NANOS} before it parks (waking a parked thread costs
 * tens of microseconds, more on a busy machine), and the caller, once its chunks are done, waits as briefly for the
 * helpers to finish the chunks they hold before it parks. Past the first few microseconds a waiting thread spins with
 * {@link Thread#yield}, so on a machine with more runnable threads than cores it hands its core to them (among them
 * the helper it waits for) instead of burning its time slice. Waiting is bounded, so an idle pool takes no CPU from
 * the JIT, the collector or other processes on a small machine (unbounded spinning is what makes llama.cpp's two
 * threads slower than one when the machine is busy).
 *
 * <p>A chunk's work never depends on which thread runs it or on how many threads there are: kernels choose their
 * chunks from the sizes, so the thread count does not change results. A {@code forEach} from inside a chunk, or while
 * another thread's call holds the pool, runs inline on its caller.
 *
 * <p>{@link #setThreads} may run while kernels do: the thread count and its pool are one value that a
 * {@code forEach} reads once; a retired pool finishes the calls it has and its helpers then exit, and a helper that has
 * already exited is simply not used (the caller takes every chunk no helper took).
 */
public final class Parallel {
    /** How long an idle helper, or a caller waiting for helpers, spins before parking. -Dcortado.spinMicros. */
    static final long SPIN_NANOS = Long.getLong("cortado.spinMicros", 50L) * 1000L;
    /** The first steps of a wait, a plain spin loop; the rest yields between checks. */
    static final int PURE_SPINS = 128;

    private static volatile Pool pool = new Pool(Runtime.getRuntime().availableProcessors());

    private Parallel() {}

    /** The number of worker threads kernels may use (the caller and its helpers). */
    public static int threads() { return pool.threads; }

    /** Sets the number of worker threads (1 runs every kernel on the calling thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        Pool old = pool;
        if (n == old.threads) return;
        pool = new Pool(n);
        old.shutdown();   // calls already running on it finish first
    }

    /** A body that processes chunk {@code chunk} of {@code chunks}. */
    @FunctionalInterface
    public interface Chunk { void run(int chunk); }

    /**
     * Runs {@code body} for chunks 0..chunks-1, spread over the pool; returns when every chunk has run, rethrowing the
     * first failure. With one thread or one chunk it runs inline, so a single-threaded benchmark measures the kernel
     * and not the pool.
     */
    public static void forEach(int chunks, Chunk body) {
        if (chunks <= 0) return;
        Pool p = pool;
        if (chunks == 1 || p.threads == 1 || !p.run(chunks, body)) {
            for (int c = 0; c < chunks; c++) body.run(c);
        }
    }

    /** Splits [0, n) into about {@code threads()} contiguous ranges and runs {@code body(from, to)} on each. */
    public static void forRange(int n, Range body) {
        int chunks = Math.min(n, threads());
        if (chunks <= 1) { if (n > 0) body.run(0, n); return; }
        forEach(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    @FunctionalInterface
    public interface Range { void run(int from, int to); }

    /** One forEach call: its chunks, taken from a counter by the caller and the helpers it was given to. */
    private static final class Job {
        final Chunk body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        /** Helpers that hold this job and have not finished it. */
        final AtomicInteger pending = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread caller = Thread.currentThread();
        volatile boolean callerParked;

        Job(Chunk body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        void work() {
            try {
                for (int c; (c = next.getAndIncrement()) < chunks; ) body.run(c);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                next.set(chunks); // the others stop taking chunks
            }
        }

        void helperDone() {
            if (pending.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
        }

        /** The caller, after its own share: spin briefly for the helpers' last chunks, then park. */
        void awaitHelpers() {
            long start = System.nanoTime();
            for (int spins = 0; pending.get() > 0; spins++) {
                if (keepWaiting(spins, start)) continue;
                callerParked = true;
                if (pending.get() > 0) LockSupport.park(this);
                callerParked = false;
            }
        }

        void rethrow() {
            Throwable f = failure.get();
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
            if (f != null) throw new IllegalStateException(f);
        }
    }

    /**
     * One step of a bounded wait that began at {@code start}: true after a plain spin (the first PURE_SPINS steps,
     * a few microseconds: a PAUSE is some 40 ns) or a yield (until SPIN_NANOS), false when the waiter should park.
     */
    private static boolean keepWaiting(int spins, long start) {
        if (spins < PURE_SPINS) {
            Thread.onSpinWait();
            return true;
        }
        if (System.nanoTime() - start < SPIN_NANOS) {
            Thread.yield();
            return true;
        }
        return false;
    }

    /** A job slot's value once its helper has exited: no job can be handed to it any more. */
    private static final Job RETIRED = new Job(c -> {}, 0);

    /** threads - 1 helper threads, each with a one-job slot; one job at a time (the lock). */
    private static final class Pool {
        final int threads;
        final Helper[] helpers;
        final ReentrantLock busy = new ReentrantLock();
        volatile boolean shutdown;

        Pool(int threads) {
            this.threads = threads;
            helpers = new Helper[threads - 1];
            for (int i = 0; i < helpers.length; i++) {
                helpers[i] = new Helper(this, i);
                helpers[i].start();
            }
        }

        /** Runs the job on the caller and up to chunks-1 helpers; false (nothing run) when it must run inline. */
        boolean run(int chunks, Chunk body) {
            if (Thread.currentThread() instanceof Helper || busy.isHeldByCurrentThread() || !busy.tryLock()) return false;
            try {
                Job job = new Job(body, chunks);
                int wanted = Math.min(helpers.length, chunks - 1);
                job.pending.set(wanted);
                int given = 0;
                for (int i = 0; i < wanted; i++) if (helpers[i].give(job)) given++;
                if (given < wanted) job.pending.addAndGet(given - wanted); // retired helpers: the caller covers
                job.work();
                job.awaitHelpers();
                job.rethrow();
                return true;
            } finally {
                busy.unlock();
            }
        }

        void shutdown() {
            shutdown = true;
            for (Helper h : helpers) LockSupport.unpark(h);
        }
    }

    private static final class Helper extends Thread {
        private final Pool pool;
        private final AtomicReference<Job> slot = new AtomicReference<>();
        private volatile boolean parked;

        Helper(Pool pool, int index) {
            super("cortado-worker-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        /** Hands job to this helper; false when it has retired. */
        boolean give(Job job) {
            if (!slot.compareAndSet(null, job)) return false;
            if (parked) LockSupport.unpark(this);
            return true;
        }

        @Override
        public void run() {
            while (true) {
                Job job = await();
                if (job == null) return;
                job.work();
                slot.set(null);  // free before done: the caller may hand out its next job at once
                job.helperDone();
            }
        }

        /** The next job: spin for SPIN_NANOS, then park; null once the pool is shut down and no job is pending. */
        private Job await() {
            long start = System.nanoTime();
            for (int spins = 0; ; spins++) {
                Job job = slot.get();
                if (job != null) return job;
                if (pool.shutdown && slot.compareAndSet(null, RETIRED)) return null;
                if (keepWaiting(spins, start)) continue;
                parked = true;
                if (slot.get() == null && !pool.shutdown) LockSupport.park(this);
                parked = false;
                start = System.nanoTime();
                spins = -1;
            }
        }
    }
}
