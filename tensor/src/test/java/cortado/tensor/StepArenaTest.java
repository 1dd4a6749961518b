package cortado.tensor;

import static org.assertj.core.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The step arena and its pool: reuse across steps, zeroing, trimming, and loud failure after release. */
class StepArenaTest {
    @BeforeEach
    void emptyPool() { StepArena.drainPool(); }

    @Test
    void theNextStepReusesTheSameBuffers() {
        float[] first;
        try (StepArena a = StepArena.open()) {
            first = Tensor.zeros(1000).data();
        }
        try (StepArena a = StepArena.open()) {
            assertThat(Tensor.empty(10, 100).data()).isSameAs(first);
            assertThat(Tensor.zeros(1000).data()).isNotSameAs(first); // taken already: a new one
        }
    }

    @Test
    void zerosFromThePoolAreZero() {
        try (StepArena a = StepArena.open()) {
            Arrays.fill(Tensor.zeros(64).data(), 7f);
        }
        try (StepArena a = StepArena.open()) {
            assertThat(Tensor.zeros(8, 8).data()).containsOnly(0f);
        }
    }

    @Test
    void aTensorUsedAfterItsStepFailsWithAMessage() {
        Tensor t;
        try (StepArena a = StepArena.open()) {
            t = Tensor.zeros(4);
            assertThat(a.owns(t.storage())).isTrue();
        }
        assertThatThrownBy(t::data).isInstanceOf(IllegalStateException.class).hasMessageContaining("StepArena");
        assertThatThrownBy(() -> t.storage().segment()).hasMessageContaining("StepArena");
    }

    @Test
    void earlyReleaseReturnsTheBufferAtOnce() {
        try (StepArena a = StepArena.open()) {
            Tensor t = Tensor.zeros(256);
            float[] arr = t.data();
            assertThat(a.release(t.storage())).isTrue();
            assertThat(a.release(t.storage())).isFalse(); // once only
            assertThat(StepArena.pooledBytes()).isEqualTo(256L * Float.BYTES);
            assertThat(Tensor.empty(256).data()).isSameAs(arr);
        }
    }

    @Test
    void outsideAndWithoutAnArenaMemoryIsOrdinary() {
        Tensor plain = Tensor.zeros(16), kept;
        try (StepArena a = StepArena.open()) {
            kept = StepArena.outside(() -> Tensor.zeros(16));
            assertThat(a.owns(kept.storage())).isFalse();
            assertThat(a.release(plain.storage())).isFalse();
            assertThat(StepArena.current()).isSameAs(a);
        }
        assertThat(kept.data()).hasSize(16);
        assertThat(plain.data()).hasSize(16);
        assertThat(StepArena.current()).isNull();
        assertThat(StepArena.pooledBytes()).isZero();
    }

    @Test
    void keepUntilMovesABufferOutOfNestedScopesToTheArenaNamed() {
        Tensor untilOuter, ordinary;
        try (StepArena outer = StepArena.open()) {
            try (StepArena middle = StepArena.open(); StepArena inner = StepArena.open()) {
                untilOuter = Tensor.zeros(8);
                ordinary = Tensor.zeros(8);
                StepArena.keepUntil(untilOuter, outer);
                StepArena.keepUntil(ordinary, null);
                assertThat(outer.owns(untilOuter.storage())).isTrue();
            }
            assertThat(untilOuter.toArray()).hasSize(8);   // outlived the two scopes it was made in
        }
        assertThatThrownBy(untilOuter::data).hasMessageContaining("StepArena");
        assertThat(ordinary.toArray()).hasSize(8);         // ordinary memory: outlives every arena
    }

    @Test
    void aSlightlyShorterTensorReusesALongerFreeBufferAndKeepsItsOwnLength() {
        float[] first;
        try (StepArena a = StepArena.open()) {
            first = Tensor.zeros(1000).data();
        }
        try (StepArena a = StepArena.open()) {
            Tensor t = Tensor.zeros(850); // within a quarter: the 1000-float buffer serves
            assertThat(t.data()).isSameAs(first);
            assertThat(t.storage().length()).isEqualTo(850);
            assertThat(t.storage().segment().byteSize()).isEqualTo(850L * Float.BYTES);
            assertThat(t.toArray()).hasSize(850).containsOnly(0f);
        }
        try (StepArena a = StepArena.open()) {
            assertThat(Tensor.zeros(700).data()).isNotSameAs(first).hasSize(700); // more than a quarter shorter
        }
    }

    @Test
    void zerosOfAReusedLongerBufferAreZeroAndItsTailUntouched() {
        try (StepArena a = StepArena.open()) {
            Arrays.fill(Tensor.zeros(100).data(), 7f);
        }
        try (StepArena a = StepArena.open()) {
            float[] d = Tensor.zeros(90).data();
            assertThat(Arrays.copyOf(d, 90)).containsOnly(0f);
            assertThat(Arrays.copyOfRange(d, 90, 100)).containsOnly(7f); // not this tensor's: left as it was
        }
    }

    @Test
    void shapesThatComeAndGoKeepTheirBuffersWhileThePoolFitsItsBudget() {
        float[] rare;
        try (StepArena a = StepArena.open()) {
            rare = Tensor.zeros(1000).data();
            Tensor.zeros(2000);
        }
        for (int step = 0; step < 6; step++) {
            try (StepArena a = StepArena.open()) {
                Tensor.zeros(2000); // the 1000 buffer goes unused, but 3000 pooled <= 2 x 2000 peak
            }
        }
        try (StepArena a = StepArena.open()) {
            assertThat(Tensor.zeros(1000).data()).isSameAs(rare);
        }
    }

    @Test
    void buffersBeyondTheBudgetAreDroppedLeastRecentlyUsedFirst() {
        try (StepArena a = StepArena.open()) {
            Tensor.zeros(1234);
        }
        assertThat(StepArena.pooledBytes()).isEqualTo(1234L * Float.BYTES);
        // the following steps need far less: once the 1234-float step is older than the budget's window, the pool
        // keeps only twice the recent peak, and the old shape's buffer is the one dropped
        for (int step = 0; step < FloatArrayPool.RECENT; step++) {
            try (StepArena a = StepArena.open()) {
                Tensor.zeros(99);
            }
        }
        assertThat(StepArena.pooledBytes()).isEqualTo(99L * Float.BYTES);
    }

    @Test
    void arenasNestAndCloseInOrder() {
        try (StepArena outer = StepArena.open()) {
            Tensor a = Tensor.zeros(3);
            Tensor b;
            try (StepArena inner = StepArena.open()) {
                b = Tensor.zeros(3);
                assertThat(inner.owns(b.storage())).isTrue();
                assertThat(outer.owns(b.storage())).isFalse();
                assertThatThrownBy(outer::close).hasMessageContaining("out of order");
            }
            assertThatThrownBy(b::data).hasMessageContaining("StepArena");
            assertThat(a.data()).hasSize(3);
            Tensor.zeros(5);
            try (StepArena inner = StepArena.open()) {
                Tensor.zeros(7);
            }
            // The inner arena used neither length 3 nor 5, but a nested close does not trim the step's pool.
            assertThat(StepArena.pooledBytes()).isEqualTo((3L + 7) * Float.BYTES);
            assertThat(StepArena.current()).isSameAs(outer);
        }
    }
}
