package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SgemmTimerTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(SgemmTimer.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(SgemmTimer.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    void flopsCountOneMultiplyAndOneAddPerTerm() {
        assertThat(SgemmTimer.flops(10)).isEqualTo(2000.0);
    }

    @Test
    void measuresAPositiveRate() {
        double[] samples = SgemmTimer.gflopsSamples(48, 3);
        assertThat(samples).hasSize(3);
        for (double g : samples) assertThat(g).isPositive().isFinite();
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> SgemmTimer.medianGflops(0, 3)).hasMessageContaining("size");
        assertThatThrownBy(() -> SgemmTimer.medianGflops(8, 0)).hasMessageContaining("repeats");
    }
}
