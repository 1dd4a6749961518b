package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The tier-independent vector exponential against Math.exp, and its edges (0, the flush to zero, -inf). */
class VectorExpTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += L)
            VectorExp.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(y, i);
        return y;
    }

    @Test
    void withinTwoUlpOfMathExp() {
        int n = 1 << 16;   // a multiple of every lane count
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / n;
        float[] y = exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(y[i] - ref) / Math.ulp((float) ref));
        }
        assertThat(worst).as("max error in ulp").isLessThanOrEqualTo(2.0);
    }

    @Test
    void edges() {
        float[] x = new float[L];
        x[0] = 0f;
        x[1 % L] = Float.NEGATIVE_INFINITY;
        float[] y = exp(x);
        assertThat(y[0]).isEqualTo(L > 1 ? 1f : 1f);
        if (L > 1) assertThat(y[1]).isEqualTo(0f);
        float[] low = new float[L];
        java.util.Arrays.fill(low, -100f);
        assertThat(exp(low)[0]).isEqualTo(0f);
    }
}
