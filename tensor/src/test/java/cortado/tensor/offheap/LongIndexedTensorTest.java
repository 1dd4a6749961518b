package cortado.tensor.offheap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.OffHeapStorage;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A tensor of 2^31 + 1 elements ([3, 715827883], 8.6 GB) on the off-heap backend: filled, updated in place through
 * views whose offsets are beyond int, reduced, and read back at both ends and on both sides of element 2^31. Its memory
 * is an arena this test closes, so the 8.6 GB are freed the moment it ends.
 */
class LongIndexedTensorTest {
    private static final int ROWS = 3, COLS = 715_827_883; // 3 * 715827883 = 2^31 + 1
    private static final long N = (long) ROWS * COLS;

    @Test
    void aTensorOfTwoToThe31PlusOneElementsRoundTripsThroughOps() throws IOException {
        assertThat(N).isEqualTo((1L << 31) + 1);
        long need = N * Float.BYTES + (1L << 30);
        long available = memAvailable();
        assumeTrue(available >= need, "skipped: the 2^31+1-element tensor needs " + (need >> 20) + " MiB (8.6 GB plus"
                + " 1 GiB of headroom) but /proc/meminfo's MemAvailable is " + (available >> 20) + " MiB");
        Backend off = Backends.offHeap();
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared()) {   // shared: kernels run on the pool's threads
            int[] shape = {ROWS, COLS};
            Tensor t = new Tensor(new OffHeapStorage(arena, N), shape, Tensor.contiguousStridesLong(shape), 0);
            assertThat(t.backend()).isSameAs(off);
            assertThat(t.numelLong()).isEqualTo(N);
            assertThatThrownBy(t::numel).hasMessageContaining("beyond int");

            off.fillInPlace(t, 1.5f);
            off.fillInPlace(t.slice(1, COLS - 3, COLS), 7f);   // the last three columns of every row
            off.scaleInPlace(t, 2f);                           // 3 everywhere, 14 in the last columns
            off.axpyInPlace(t.select(2), 1f, t.select(0));     // row 2 += row 0: 6, and 28 in its last columns
            Tensor end = t.select(2).slice(0, COLS - 1, COLS); // element 2^31 alone: a view whose offset is beyond int
            assertThat(end.offsetLong()).isEqualTo(1L << 31);
            assertThatThrownBy(end::offset).hasMessageContaining("beyond int");
            off.fillInPlace(end, 99f);

            assertThat(t.get(0, 0)).isEqualTo(3f);
            assertThat(t.get(1, COLS - 1)).isEqualTo(14f);
            assertThat(t.get(2, 0)).isEqualTo(6f);
            assertThat(t.get(2, COLS - 4)).isEqualTo(6f);            // element 2^31 - 3
            assertThat(t.get(2, COLS - 3)).isEqualTo(28f);           // 2^31 - 2
            assertThat(t.get(2, COLS - 2)).isEqualTo(28f);           // 2^31 - 1
            assertThat(t.get(2, COLS - 1)).isEqualTo(99f);           // 2^31, the last element
            assertThat(off.toArray(end)).containsExactly(99f);
            // Every element counted once: 3 (rows 0, 1) and 6 (row 2), with the last columns 14, 14 and 28 (then 99).
            double expected = 3.0 * (2L * COLS - 6) + 14.0 * 6 + 6.0 * (COLS - 3) + 28.0 * 2 + 99.0;
            assertThat(off.sumAll(t)).isEqualTo(expected);
            System.out.printf("2^31+1-element tensor: fill, scale, axpy, sum and reads in %.1f s, peak RSS %d MiB%n",
                    (System.nanoTime() - t0) / 1e9, peakRssKiB() >> 10);
        }
    }

    private static long memAvailable() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
            if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        return 0;
    }

    private static long peakRssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        return -1;
    }
}
