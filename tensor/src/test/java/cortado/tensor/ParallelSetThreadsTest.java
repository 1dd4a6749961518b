package cortado.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Changing the thread count while kernels run: every forEach still runs each chunk exactly once and none fails
 * (before, a forEach that had read the old pool submitted to it after setThreads shut it down and was rejected).
 */
class ParallelSetThreadsTest {
    @Test
    void setThreadsDuringForEachNeverLosesOrRepeatsAChunk() throws InterruptedException {
        int before = Parallel.threads();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread toggler = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) Parallel.setThreads(2 + i % 3);
        });
        toggler.start();
        try {
            long end = System.nanoTime() + 1_500_000_000L;
            int rounds = 0;
            while (System.nanoTime() < end && failure.get() == null) {
                int chunks = 64;
                AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                try {
                    Parallel.forEach(chunks, c -> runs.incrementAndGet(c));
                } catch (Throwable t) {
                    failure.set(t);
                    break;
                }
                for (int c = 0; c < chunks; c++) assertThat(runs.get(c)).as("chunk %d of round %d", c, rounds).isEqualTo(1);
                rounds++;
            }
            assertThat(failure.get()).as("forEach during setThreads").isNull();
            assertThat(rounds).isPositive();
        } finally {
            stop.set(true);
            toggler.join();
            Parallel.setThreads(before);
        }
    }
}
