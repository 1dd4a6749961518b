package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The tier-independent exponential against Math.exp, its edges (0, subnormals, -inf, overflow, NaN), and its scalar twin. */
class VectorExpTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += L)
            VectorExp.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(y, i);
        return y;
    }

    @Test
    void withinTwoUlpOfMathExpAndTheScalarGivesTheLanesBits() {
        int n = 1 << 16;   // a multiple of every lane count
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -103.9f + 192.6f * i / n;   // subnormal results up to near MAX_VALUE
        float[] y = exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float ref = (float) Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(y[i] - (double) ref) / Math.ulp(ref));
            assertThat(Float.floatToRawIntBits(VectorExp.exp(x[i]))).as("scalar exp(" + x[i] + ")")
                    .isEqualTo(Float.floatToRawIntBits(y[i]));
        }
        assertThat(worst).as("max error in ulp").isLessThanOrEqualTo(2.0);
    }

    @Test
    void edges() {
        float[] x = {0f, Float.NEGATIVE_INFINITY, -200f, 89f, Float.POSITIVE_INFINITY, Float.NaN, -100f, 88.5f};
        float[] expected = {1f, 0f, 0f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN,
            (float) Math.exp(-100), (float) Math.exp(88.5)};
        float[] padded = new float[(x.length + L - 1) / L * L];
        System.arraycopy(x, 0, padded, 0, x.length);
        float[] y = exp(padded);
        for (int i = 0; i < x.length; i++) {
            if (Float.isFinite(expected[i]))
                assertThat(y[i]).as("exp(" + x[i] + ")").isCloseTo(expected[i],
                        org.assertj.core.api.Assertions.within(2 * Math.ulp(expected[i])));
            else assertThat(Float.valueOf(y[i])).as("exp(" + x[i] + ")").isEqualTo(Float.valueOf(expected[i]));
            assertThat(Float.floatToRawIntBits(VectorExp.exp(x[i]))).as("scalar exp(" + x[i] + ")")
                    .isEqualTo(Float.floatToRawIntBits(y[i]));
        }
    }
}
