package cortado.train.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * N ranks as N threads of one process, for testing what runs on a {@link Collective} without MPI: each rank's call
 * publishes its buffer, waits for the others, computes its result from all of them (sums in rank order, as a
 * deterministic MPI reduction does), and waits again before any buffer is reused.
 */
final class ThreadRanks {
    private final int size;
    private final CyclicBarrier barrier;
    private final MemorySegment[] published;

    private ThreadRanks(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.published = new MemorySegment[size];
    }

    /** Runs {@code body} on {@code size} ranks at once and returns their results in rank order. */
    static <T> List<T> run(int size, Function<Collective, T> body) throws Exception {
        ThreadRanks group = new ThreadRanks(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                Collective c = group.rank(r);
                futures.add(pool.submit(() -> body.apply(c)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    group.barrier.reset();   // wake the ranks still waiting
                    throw e;
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private void await() {
        try {
            barrier.await(30, TimeUnit.SECONDS);   // a rank that failed breaks the barrier, so the others fail too
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("another rank failed or never came", e);
        }
    }

    private float at(int rank, long i) { return published[rank].getAtIndex(ValueLayout.JAVA_FLOAT, i); }

    private Collective rank(int me) {
        return new Collective() {
            @Override public int rank() { return me; }
            @Override public int size() { return size; }
            @Override public int localRank() { return me; }
            @Override public String name() { return "threads"; }

            @Override
            public void allReduceSum(MemorySegment data, long count) {
                published[me] = data;
                await();
                float[] sum = new float[(int) count];
                for (int i = 0; i < count; i++) for (int r = 0; r < size; r++) sum[i] += at(r, i);
                await();
                MemorySegment.copy(sum, 0, data, ValueLayout.JAVA_FLOAT, 0, (int) count);
            }

            @Override
            public void reduceScatterSum(MemorySegment send, MemorySegment recv, long count) {
                published[me] = send;
                await();
                for (long i = 0; i < count; i++) {
                    float s = 0;
                    for (int r = 0; r < size; r++) s += at(r, me * count + i);
                    recv.setAtIndex(ValueLayout.JAVA_FLOAT, i, s);
                }
                await();
            }

            @Override
            public void allGather(MemorySegment send, MemorySegment recv, long count) {
                published[me] = send;
                await();
                for (int r = 0; r < size; r++)
                    MemorySegment.copy(published[r], 0, recv, r * count * Float.BYTES, count * Float.BYTES);
                await();
            }

            @Override
            public void broadcast(MemorySegment data, long bytes, int root) {
                published[me] = data;
                await();
                if (me != root) MemorySegment.copy(published[root], 0, data, 0, bytes);
                await();
            }

            @Override public void barrier() { await(); }

            @Override public void abort(int code) { throw new IllegalStateException("abort " + code); }

            @Override public void close() {}
        };
    }
}
