package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Exact GELU against its value in double from CPython's {@code math.erfc} (rounded once to float32) and against
 * PyTorch's float32 {@code F.gelu(approximate="none")} and its autograd, values printed by Python 3 / torch 2.13.
 */
class GeluErfKernelTest {
    private final Backend be = Backends.cpu();
    private static final float[] X = {-8f, -5.5f, -3f, -1f, -0.5f, -1e-3f, 0f, 0.3f, 1f, 2.5f, 5f, 9f};
    /** float32(0.5 x erfc(-x / sqrt 2)) and float32(Phi(x) + x phi(x)) in double with math.erfc. */
    private static final float[] EXACT_Y = {-4.9767683396140065e-15f, -1.0444259146424884e-07f, -0.004049694165587425f,
        -0.15865525603294373f, -0.1542687714099884f, -0.0004996010684408247f, 0.0f, 0.1853734403848648f,
        0.8413447737693787f, 2.48447585105896f, 4.999998569488525f, 9.0f};
    private static final float[] EXACT_DX = {-3.9796071033817645e-14f, -5.733472221436386e-07f, -0.011945647187530994f,
        -0.08331546932458878f, 0.1325048804283142f, 0.49920210242271423f, 0.5f, 0.7323277592658997f,
        1.0833154916763306f, 1.0376111268997192f, 1.000007152557373f, 1.0f};
    private static final float[] TORCH_Y = {-0.0f, -1.6391277313232422e-07f, -0.004050225019454956f,
        -0.15865525603294373f, -0.1542687714099884f, -0.0004996010684408247f, 0.0f, 0.1853734403848648f,
        0.8413447141647339f, 2.48447585105896f, 4.999999046325684f, 9.0f};
    private static final float[] TORCH_DX = {0.0f, -5.662441253662109e-07f, -0.011945605278015137f,
        -0.08331543207168579f, 0.1325049102306366f, 0.4992021918296814f, 0.5f, 0.7323277592658997f,
        1.083315372467041f, 1.0376110076904297f, 1.000007152557373f, 1.0f};

    @Test
    void correctlyRoundedAndWithinTorchsError() {
        Tensor x = Tensor.of(X.clone(), X.length);
        float[] y = be.geluErf(x).data();
        float[] dx = be.geluErfBackward(Tensor.full(1f, X.length), x).data();
        for (int i = 0; i < X.length; i++) {
            // one rounding of a double computed to ~1e-15: within 1 ulp of the correctly rounded value
            assertThat(y[i]).as("gelu(" + X[i] + ")").isCloseTo(EXACT_Y[i], within(Math.ulp(EXACT_Y[i])));
            assertThat(dx[i]).as("gelu'(" + X[i] + ")").isCloseTo(EXACT_DX[i], within(Math.ulp(EXACT_DX[i])));
            // torch evaluates 1 + erf in float32 with a polynomial erf (~1e-7 absolute): 1e-6 absolute covers it
            assertThat(y[i]).as("torch gelu(" + X[i] + ")").isCloseTo(TORCH_Y[i], within(1e-6f));
            assertThat(dx[i]).as("torch gelu'(" + X[i] + ")").isCloseTo(TORCH_DX[i], within(1e-6f));
        }
    }

    @Test
    void erfAtKnownPoints() {
        // erf(1) and erf(3.5) to 16 digits (A&S table 7.1; CPython's math.erf); odd symmetry across both branches
        assertThat(GeluErfKernel.erf(1)).isCloseTo(0.8427007929497149, within(1e-15));
        assertThat(GeluErfKernel.erf(-3.5)).isCloseTo(-0.9999992569016276, within(1e-15));
        assertThat(GeluErfKernel.erf(0)).isEqualTo(0.0);
        assertThat(GeluErfKernel.erfc(5)).isCloseTo(1.5374597944280351e-12, within(1e-26));   // math.erfc(5)
    }
}
