package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dropout kernel: the right share dropped, survivors scaled by 1/(1-p), masks fixed by the key alone. */
class DropoutKernelTest {
    private final Backend be = Backends.cpu();
    private final int before = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(before); }

    private static Tensor ones(int n) { return Tensor.full(1f, n); }

    @Test
    void dropsAboutPAndScalesTheRest() {
        int n = 200_003;   // not a multiple of any vector width: the scalar tail runs too
        for (float p : new float[] {0.1f, 0.5f, 0.9f}) {
            float[] y = be.dropout(ones(n), p, 42L).toArray();
            int dropped = 0;
            for (float v : y) {
                if (v == 0f) dropped++;
                else assertThat(v).isEqualTo(1f / (1f - p));
            }
            // binomial(n, p): 5 standard deviations is < 0.006 of n at p = 0.5
            assertThat((double) dropped / n).isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / n)));
        }
        assertThat(be.dropout(ones(1000), 0f, 7L).toArray()).containsOnly(1f);
    }

    @Test
    void theMaskIsAFunctionOfKeyAndIndexOnly() {
        Random r = new Random(3);
        float[] data = new float[70_001];
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
        Tensor xs = Tensor.of(data.clone(), data.length);
        Parallel.setThreads(1);
        float[] one = be.dropout(xs, 0.3f, 99L).toArray();
        Parallel.setThreads(4);
        assertThat(be.dropout(xs, 0.3f, 99L).toArray()).as("thread count").isEqualTo(one);
        // Element i's fate does not depend on where it sits in a vector: the tail of a shorter tensor agrees.
        float[] prefix = be.dropout(Tensor.of(java.util.Arrays.copyOf(data, 70_000 - 3), 70_000 - 3), 0.3f, 99L).toArray();
        for (int i = 0; i < prefix.length; i++) assertThat(prefix[i]).isEqualTo(one[i]);
        // A non-contiguous view is masked by its row-major index.
        Tensor t = Tensor.of(java.util.Arrays.copyOf(data, 600), 20, 30);
        assertThat(be.dropout(t.transpose(0, 1), 0.3f, 5L).toArray())
                .isEqualTo(be.dropout(t.transpose(0, 1).contiguous(), 0.3f, 5L).toArray());
        // Another key, another mask.
        assertThat(be.dropout(xs, 0.3f, 100L).toArray()).isNotEqualTo(one);
    }

    @Test
    void masksOfNeighbouringKeysAreUncorrelated() {
        int n = 100_000;
        float[] a = be.dropout(ones(n), 0.5f, 1L).toArray(), b = be.dropout(ones(n), 0.5f, 2L).toArray();
        int both = 0;
        for (int i = 0; i < n; i++) if (a[i] == 0f && b[i] == 0f) both++;
        assertThat((double) both / n).isCloseTo(0.25, within(0.01));
    }

    @Test
    void refusesProbabilitiesOutsideZeroToOne() {
        assertThatThrownBy(() -> be.dropout(ones(4), 1f, 0L)).hasMessageContaining("dropout probability must be in [0, 1)");
        assertThatThrownBy(() -> be.dropout(ones(4), -0.1f, 0L)).hasMessageContaining("dropout probability");
    }
}
