package cortado.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Zeros made under {@link DeferredZeros} hold no array until first used, then behave as ordinary zeros. */
class DeferredZerosTest {
    @Test
    void zerosAreAllocatedOnFirstUse() {
        Tensor t, ones;
        try (DeferredZeros d = DeferredZeros.enter()) {
            t = Tensor.zeros(3, 4);
            ones = Backends.cpu().full(1f, 2);   // filled at creation: allocated then
        }
        assertThat(((CpuStorage) t.storage()).isReleased()).isFalse();
        assertThat(ones.toArray()).containsExactly(1f, 1f);
        assertThat(t.toArray()).containsOnly(0f).hasSize(12);
        t.data()[5] = 2f;
        assertThat(t.toArray()[5]).isEqualTo(2f);
        // Outside the scope, and inside an arena, allocation is immediate as before.
        assertThat(Tensor.zeros(2).toArray()).containsExactly(0f, 0f);
        try (DeferredZeros d = DeferredZeros.enter(); StepArena a = StepArena.open()) {
            Tensor inArena = Tensor.zeros(4);
            assertThat(inArena.toArray()).containsOnly(0f);
        }
    }
}
