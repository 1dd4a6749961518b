package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    /** One step by hand: p1 = p0 - lr*wd*p0 - lr * g/(|g| + eps), since mhat = g and vhat = g^2 at step 1. */
    @Test
    void firstStepMatchesHandComputedValues() {
        Parameter w = new Parameter(Tensor.of(new float[] {1f, -2f, 3f, 0.5f}, 2, 2));
        Parameter b = new Parameter(Tensor.of(new float[] {1f, -1f}, 2));
        w.value().setGrad(Tensor.of(new float[] {0.5f, 0.25f, -4f, 0f}, 2, 2));
        b.value().setGrad(Tensor.of(new float[] {2f, -0.1f}, 2));
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("weight", w);
        params.put("bias", b);
        AdamW opt = new AdamW(params, 0.5f);
        opt.step(0.1f);

        // weight (decayed): p*(1 - 0.1*0.5) - 0.1*sign(g) (g/|g| exactly, up to eps; 0 where g = 0)
        assertThat(w.value().toArray()).containsExactly(new float[] {
                1f * 0.95f - 0.1f, -2f * 0.95f - 0.1f, 3f * 0.95f + 0.1f, 0.5f * 0.95f}, within(1e-6f));
        // bias (rank 1): no decay
        assertThat(b.value().toArray()).containsExactly(new float[] {1f - 0.1f, -1f + 0.1f}, within(1e-6f));
        assertThat(opt.stepCount()).isEqualTo(1);
        assertThat(opt.firstMoments().get("weight").toArray())
                .containsExactly(new float[] {0.05f, 0.025f, -0.4f, 0f}, within(1e-7f));
        assertThat(opt.secondMoments().get("bias").toArray())
                .containsExactly(new float[] {0.004f, 0.00001f}, within(1e-7f)); // (1 - 0.999f) is 0.99998713e-3 in float
    }

    @Test
    void decaysOnlyMatrices() {
        assertThat(AdamW.decays(new int[] {4, 3})).isTrue();
        assertThat(AdamW.decays(new int[] {2, 3, 4})).isTrue();
        assertThat(AdamW.decays(new int[] {7})).isFalse();
        assertThat(AdamW.decays(new int[] {})).isFalse();
    }

    /** Three steps against torch.optim.AdamW (tools/golden/train/adamw_clip.py). */
    @Test
    void matchesPyTorchOverThreeSteps() throws IOException {
        Map<String, Object> g = golden();
        Parameter w = new Parameter(Tensor.of(floats(g.get("w0")), 3, 4));
        Parameter b = new Parameter(Tensor.of(floats(g.get("b0")), 4));
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("w", w);
        params.put("b", b);
        AdamW opt = new AdamW(params, ((Number) g.get("weight_decay")).floatValue());
        float lr = ((Number) g.get("lr")).floatValue();
        for (Object o : (List<?>) g.get("steps")) {
            Map<?, ?> s = (Map<?, ?>) o;
            w.value().setGrad(Tensor.of(floats(s.get("grad_w")), 3, 4));
            b.value().setGrad(Tensor.of(floats(s.get("grad_b")), 4));
            opt.step(lr);
            opt.zeroGrad();
            // float32 arithmetic on both sides, in a different order: agree to a few ulps of values near 1
            assertThat(w.value().toArray()).containsExactly(floats(s.get("w")), within(2e-6f));
            assertThat(b.value().toArray()).containsExactly(floats(s.get("b")), within(2e-6f));
        }
        assertThat(w.value().grad()).isNull();
    }

    @Test
    void skipsParametersWithoutGradientAndFrozenOnes() {
        Parameter a = new Parameter(Tensor.of(new float[] {1f, 2f}, 1, 2));
        Parameter frozen = new Parameter(Tensor.of(new float[] {3f}, 1, 1));
        frozen.setTrainable(false);
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("a", a);
        params.put("frozen", frozen);
        AdamW opt = new AdamW(params, 0.1f);
        assertThat(opt.parameters()).containsOnlyKeys("a");
        opt.step(0.1f); // a has no grad: untouched
        assertThat(a.value().toArray()).containsExactly(1f, 2f);
    }

    static Map<String, Object> golden() throws IOException {
        try (InputStream in = AdamWTest.class.getResourceAsStream("/golden/adamw_clip.json")) {
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).floatValue();
        return out;
    }
}
