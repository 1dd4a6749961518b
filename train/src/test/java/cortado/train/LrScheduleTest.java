package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToTenthOfPeak() {
        LrSchedule s = LrSchedule.cosine(1.0f, 4, 14, 0.1f);
        assertThat(s.lr(0)).isEqualTo(0.25f);
        assertThat(s.lr(1)).isEqualTo(0.5f);
        assertThat(s.lr(3)).isEqualTo(1.0f);
        assertThat(s.lr(4)).isEqualTo(1.0f);                                   // cos(0)
        assertThat(s.lr(9)).isCloseTo(0.55f, within(1e-6f));                   // halfway: (1 + 0.1) / 2
        assertThat(s.lr(14)).isCloseTo(0.1f, within(1e-7f));                   // end
        assertThat(s.lr(100)).isCloseTo(0.1f, within(1e-7f));                  // past the end: stays at min
        // monotone after warmup
        for (int i = 4; i < 14; i++) assertThat(s.lr(i + 1)).isLessThanOrEqualTo(s.lr(i));
        // one formula value: step 6 -> ratio 0.2 -> 0.1 + 0.45 (1 + cos(0.2 pi))
        assertThat(s.lr(6)).isCloseTo((float) (0.1 + 0.45 * (1 + Math.cos(0.2 * Math.PI))), within(1e-6f));
    }

    @Test
    void constantWithAndWithoutWarmup() {
        assertThat(LrSchedule.constant(3e-4f, 0).lr(0)).isEqualTo(3e-4f);
        LrSchedule w = LrSchedule.constant(2f, 2);
        assertThat(w.lr(0)).isEqualTo(1f);
        assertThat(w.lr(1)).isEqualTo(2f);
        assertThat(w.lr(50)).isEqualTo(2f);
    }

    @Test
    void cosineWithoutWarmupStartsAtPeakAndNamedLookup() {
        LrSchedule s = LrSchedule.named("cosine", 0.5f, 0, 10);
        assertThat(s.lr(0)).isEqualTo(0.5f);
        assertThat(LrSchedule.named("cosine", 1f, 5, 5).lr(5)).isFinite();   // warmup == total: no 0/0
        assertThatThrownBy(() -> LrSchedule.named("lin", 1f, 0, 10)).hasMessageContaining("'lin'");
    }
}
