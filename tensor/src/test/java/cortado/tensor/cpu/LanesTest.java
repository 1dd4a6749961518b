package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class LanesTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void sumInPlaceGivesTheBitsOfTheVectorSum() {
        // Magnitudes from 1e-8 to 1e8, so that any other order of additions rounds differently.
        Random r = new Random(11);
        int differentFromLeftToRight = 0;
        for (int t = 0; t < 2000; t++) {
            float[] a = new float[L + 3];
            for (int i = 0; i < a.length; i++)
                a[i] = (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextInt(17) - 8) * r.nextDouble());
            float expected = Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, a, 3));
            float leftToRight = 0f;
            for (int i = 0; i < L; i++) leftToRight += a[3 + i];
            if (Float.floatToIntBits(leftToRight) != Float.floatToIntBits(expected)) differentFromLeftToRight++;
            assertThat(Float.floatToIntBits(Lanes.sumInPlace(a, 3))).as("trial %d", t)
                    .isEqualTo(Float.floatToIntBits(expected));
        }
        // The inputs are ones where the order shows (else the test could not tell a wrong tree from the right one).
        if (L > 2) assertThat(differentFromLeftToRight).isGreaterThan(100);
    }
}
