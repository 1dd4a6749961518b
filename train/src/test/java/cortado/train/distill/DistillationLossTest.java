package cortado.train.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.GradCheck;
import cortado.data.json.Json;
import cortado.tensor.Tensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parity with torch (tools/train/make_distill_golden.py: F.kl_div on log_softmax at temperature T, F.cross_entropy
 * with ignore_index=-100) for four (T, alpha) cases, one label ignored in each: the loss, its KL and CE terms and the
 * gradient with respect to the student's logits agree to 1e-5 (float32 softmax sums over 11 logits; the observed
 * differences are about 1e-7).
 */
class DistillationLossTest {
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws Exception {
        try (InputStream in = DistillationLossTest.class.getResourceAsStream("/golden/distill.json")) {
            return (List<Map<String, Object>>) Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .get("cases");
        }
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).floatValue();
        return a;
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).intValue();
        return a;
    }

    @Test
    void lossTermsAndGradientMatchTorch() throws Exception {
        List<Map<String, Object>> cases = cases();
        assertThat(cases).hasSize(4);
        for (Map<String, Object> c : cases) {
            int n = ((Number) c.get("rows")).intValue(), v = ((Number) c.get("vocab")).intValue();
            var cfg = new DistillationLoss.Config(((Number) c.get("temperature")).floatValue(),
                    ((Number) c.get("alpha")).floatValue());
            Tensor s = Tensor.of(floats(c.get("student")), n, v).requiresGrad(true);
            DistillationLoss.Result r = DistillationLoss.compute(cfg, s, floats(c.get("teacher")), ints(c.get("labels")));
            String at = "T=" + cfg.temperature() + " alpha=" + cfg.alpha();
            assertThat((double) r.loss().item()).as(at).isCloseTo(((Number) c.get("loss")).doubleValue(), within(1e-5));
            assertThat(r.kl()).as(at).isCloseTo(((Number) c.get("kl")).doubleValue(), within(1e-5));
            assertThat(r.ce()).as(at).isCloseTo(((Number) c.get("ce")).doubleValue(), within(1e-5));
            Autograd.backward(r.loss());
            float[] g = s.grad().toArray(), want = floats(c.get("grad"));
            for (int i = 0; i < g.length; i++) assertThat((double) g[i]).as(at + " grad " + i).isCloseTo(want[i], within(1e-5));
        }
    }

    @Test
    void gradientChecks() {
        float[] teacher = new float[4 * 5];
        for (int i = 0; i < teacher.length; i++) teacher[i] = (float) Math.sin(i * 1.3) * 2;
        int[] labels = {1, -100, 4, 0};
        var cfg = new DistillationLoss.Config(2f, 0.7f);
        float[] s0 = new float[20];
        for (int i = 0; i < 20; i++) s0[i] = (float) Math.cos(i * 0.7);
        GradCheck.check(in -> DistillationLoss.compute(cfg, in[0], teacher, labels).loss(),
                Tensor.of(s0, 4, 5).requiresGrad(true)).assertPassed();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new DistillationLoss.Config(0f, 0.5f)).hasMessageContaining("temperature must be > 0");
        assertThatThrownBy(() -> new DistillationLoss.Config(1f, 1.5f)).hasMessageContaining("alpha must be in [0, 1]");
        Tensor s = Tensor.of(new float[6], 2, 3).requiresGrad(true);
        assertThatThrownBy(() -> DistillationLoss.compute(new DistillationLoss.Config(1f, 0.5f), s, new float[4],
                new int[] {0, 1})).hasMessageContaining("share the vocabulary");
    }
}
