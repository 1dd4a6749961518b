package cortado.metrics;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static cortado.metrics.Golden.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Accuracy, precision/recall/F1 (binary, micro, macro, weighted), Matthews correlation, Pearson and Spearman (with
 * ties) against scikit-learn and SciPy (classification_golden.json). Tolerance 1e-12: ratios of counts, and
 * correlations of at most 80 values whose summation order differs from NumPy's only in the last bits.
 */
class ClassificationParityTest {
    private static final Map<String, Object> G = load("classification_golden.json");

    @Test
    void classificationMetricsEqualSklearn() {
        for (Object o : list(G.get("cases"))) {
            Map<String, Object> c = map(o);
            int[] t = ints(c.get("y_true")), p = ints(c.get("y_pred"));
            String name = (String) c.get("name");
            assertThat(Classification.accuracy(t, p)).as(name + " accuracy").isCloseTo(number(c.get("accuracy")), within(1e-12));
            assertThat(Matthews.coefficient(t, p)).as(name + " MCC").isCloseTo(number(c.get("mcc")), within(1e-12));
            for (Classification.Average avg : Classification.Average.values()) {
                String key = avg.name().toLowerCase();
                if (!c.containsKey(key)) continue;
                Classification.Prf prf = Classification.prf(t, p, avg, 1);
                assertThat(new double[] {prf.precision(), prf.recall(), prf.f1()}).as(name + " " + key)
                        .containsExactly(numbers(c.get(key)), within(1e-12));
            }
        }
    }

    @Test
    void correlationsEqualScipy() {
        for (Object o : list(G.get("correlation"))) {
            Map<String, Object> c = map(o);
            double[] x = numbers(c.get("x")), y = numbers(c.get("y"));
            assertThat(Correlation.averageRanks(x)).containsExactly(numbers(c.get("ranks_x")), within(0.0));
            assertThat(Correlation.pearson(x, y)).as(c.get("name") + " pearson").isCloseTo(number(c.get("pearson")), within(1e-12));
            assertThat(Correlation.spearman(x, y)).as(c.get("name") + " spearman").isCloseTo(number(c.get("spearman")), within(1e-12));
        }
        assertThat(Correlation.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
    }
}
