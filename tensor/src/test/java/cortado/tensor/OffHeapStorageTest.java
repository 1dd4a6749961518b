package cortado.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Off-heap tensor memory has the heap's lifetimes: pooled and released by a StepArena, ordinary memory outside one. */
class OffHeapStorageTest {
    private final Backend off = Backends.offHeap();

    @AfterEach
    void drain() { StepArena.drainPool(); }

    @Test
    void aStepArenaReusesOffHeapBuffersAndEmptiesReleasedOnes() {
        long before = StepArena.pooledBytes();
        Tensor kept = StepArena.outside(() -> off.zeros(8));
        Tensor inStep;
        java.util.Set<Long> addresses = new java.util.HashSet<>();
        try (StepArena arena = StepArena.open()) {
            Tensor x = off.full(1f, 1000), y = off.full(2f, 1000);
            inStep = off.add(x, y);
            for (Tensor t : new Tensor[] {x, y, inStep}) addresses.add(t.storage().segment().address());
            assertThat(arena.owns(inStep.storage())).isTrue();
            assertThat(arena.owns(kept.storage())).isFalse();
            assertThat(arena.peakBytes()).isGreaterThanOrEqualTo(3 * 1000 * Float.BYTES);
        }
        assertThatThrownBy(() -> off.toArray(inStep)).hasMessageContaining("StepArena");
        assertThat(StepArena.pooledBytes() - before).isEqualTo(3 * 1000 * Float.BYTES);
        try (StepArena arena = StepArena.open()) {
            Tensor again = off.zeros(1000);   // the same length: a pooled segment, zeroed
            assertThat(addresses).contains(again.storage().segment().address());
            assertThat(off.toArray(again)).containsOnly(0f);
            assertThat(arena.release(again.storage())).isTrue();
            assertThatThrownBy(() -> again.storage().segment()).hasMessageContaining("given back");
        }
        assertThat(off.toArray(kept)).containsOnly(0f);   // made outside: still alive
    }

    @Test
    void stagedOperationsGiveTheirHeapCopiesBackInsideAStep() {
        try (StepArena arena = StepArena.open()) {
            Tensor a = off.full(1f, 64, 64);
            Tensor p = off.matmul(a, a, false, false);   // staged: heap copies of a, a and the product
            assertThat(p.backend()).isSameAs(off);
            assertThat(off.toArray(p)).containsOnly(64f);
            // the heap copies (a twice, the product) went back to the heap pool as soon as the product was copied out
            assertThat(FloatArrayPool.CPU.pooledBytes()).isGreaterThanOrEqualTo(3L * 64 * 64 * Float.BYTES);
            assertThat(arena.owns(p.storage())).isTrue();
        }
    }

    @Test
    void unreachableOffHeapTensorsAreFreedWhenTheirBytesPassTheThreshold() {
        long before = OffHeapMemory.unpooledBytes(), threshold = 32L << 20;
        OffHeapMemory.collectAbove(threshold);
        try {
            long most = 0;
            for (int i = 0; i < 64; i++) {   // 64 x 8 MiB = 512 MiB made and dropped, outside any arena
                Tensor t = off.zeros(2 << 20);
                off.fillInPlace(t, i);
                most = Math.max(most, OffHeapMemory.unpooledBytes() - before);
            }
            // Collections keep the live bytes near the threshold (it may double if cleaners lag), far below 512 MiB.
            assertThat(most).isLessThanOrEqualTo(8 * threshold);
        } finally {
            OffHeapMemory.collectAbove(Runtime.getRuntime().maxMemory());
        }
    }
}
