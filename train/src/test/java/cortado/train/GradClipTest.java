package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradClipTest {

    @Test
    void clipsToMaxNormLikePyTorch() throws Exception {
        Map<String, Object> c = (Map<String, Object>) AdamWTest.golden().get("clip");
        Parameter p1 = new Parameter(Tensor.zeros(5, 3)), p2 = new Parameter(Tensor.zeros(7));
        p1.value().setGrad(Tensor.of(AdamWTest.floats(c.get("g1")), 5, 3));
        p2.value().setGrad(Tensor.of(AdamWTest.floats(c.get("g2")), 7));
        float norm = GradClip.clipGlobalNorm(List.of(p1, p2), 1.0f);
        assertThat(norm).isCloseTo(((Number) c.get("norm")).floatValue(), within(1e-5f));
        assertThat(p1.value().grad().toArray()).containsExactly(AdamWTest.floats(c.get("clipped1")), within(1e-6f));
        assertThat(p2.value().grad().toArray()).containsExactly(AdamWTest.floats(c.get("clipped2")), within(1e-6f));
    }

    @Test
    void belowMaxNormOrZeroLeavesGradientsAlone() {
        Parameter p = new Parameter(Tensor.zeros(2));
        p.value().setGrad(Tensor.of(new float[] {3f, 4f}, 2));
        assertThat(GradClip.clipGlobalNorm(List.of(p), 10f)).isEqualTo(5f);
        assertThat(p.value().grad().toArray()).containsExactly(3f, 4f);
        assertThat(GradClip.clipGlobalNorm(List.of(p), 0f)).isEqualTo(5f); // 0 = off, still measures
        assertThat(p.value().grad().toArray()).containsExactly(3f, 4f);
        assertThat(GradClip.clipGlobalNorm(List.of(p), 1f)).isEqualTo(5f);
        assertThat(p.value().grad().toArray()).containsExactly(new float[] {0.6f, 0.8f}, within(1e-6f));
    }
}
