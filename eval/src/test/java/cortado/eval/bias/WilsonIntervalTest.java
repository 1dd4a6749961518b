package cortado.eval.bias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The Wilson interval against scipy 1.17's {@code binomtest(k, n).proportion_ci(confidence_level=0.95,
 * method="wilson")} (values printed by it, pasted here; 1e-12: the same closed form in double precision).
 */
class WilsonIntervalTest {
    @Test
    void equalsScipysWilsonInterval() {
        double[][] cases = { // k, n, low, high
                {3, 5, 0.23072428127601297, 0.8823792257673521},
                {2, 3, 0.20765960080204782, 0.9385080552796038},
                {1, 2, 0.09453120573423074, 0.9054687942657693},
                {0, 4, 0.0, 0.4898908364545973},
                {5, 5, 0.5655175352168251, 1.0},
                {24, 24, 0.8620237953250198, 1.0},
                {17, 34, 0.34069325645682497, 0.659306743543175}};
        for (double[] c : cases) {
            WilsonInterval w = WilsonInterval.of((int) c[0], (int) c[1]);
            assertThat(w.low()).as("low %s/%s", c[0], c[1]).isCloseTo(c[2], within(1e-12));
            assertThat(w.high()).as("high %s/%s", c[0], c[1]).isCloseTo(c[3], within(1e-12));
        }
        assertThat(WilsonInterval.of(24, 24).excludes(0.5)).isTrue();
        assertThat(WilsonInterval.of(17, 34).excludes(0.5)).isFalse();
    }
}
