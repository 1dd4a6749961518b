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

    @Test
    void scaleFoldedIntoAdamWIsTheSameUpdateAsClippingFirst() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] w = new float[40], g = new float[40];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-1, 1);
            g[i] = (float) r.nextDouble(-3, 3);
        }
        Parameter clipped = new Parameter(Tensor.of(w.clone(), 5, 8)), folded = new Parameter(Tensor.of(w.clone(), 5, 8));
        AdamW a = new AdamW(Map.of("w", clipped), 0.1f), b = new AdamW(Map.of("w", folded), 0.1f);
        for (int step = 0; step < 3; step++) {
            clipped.value().setGrad(Tensor.of(g.clone(), 5, 8));
            folded.value().setGrad(Tensor.of(g.clone(), 5, 8));
            float n1 = GradClip.clipGlobalNorm(List.of(clipped), 1f);
            a.step(1e-2f);
            GradClip.Norm n2 = GradClip.measure(List.of(folded), 1f);
            assertThat(n2.scale()).isLessThan(1f);
            b.step(1e-2f, n2.scale());
            assertThat(n2.norm()).isEqualTo(n1);
            assertThat(folded.value().toArray()).containsExactly(clipped.value().toArray()); // bit for bit
            assertThat(folded.value().grad().toArray()).containsExactly(g); // the gradient itself untouched
        }
    }
}
