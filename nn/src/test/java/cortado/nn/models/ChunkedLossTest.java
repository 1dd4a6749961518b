package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model's training loss fuses the head and the cross-entropy over chunks of rows (F.linearCrossEntropy): the same
 * loss and gradients as the unfused forward-then-crossEntropy, for a tied head (GPT-2) and a separate lm_head (Llama);
 * and a replaced lm_head is still the layer that runs.
 */
class ChunkedLossTest {
    private static int[] ids(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = r.nextInt(257);
        return out;
    }

    private static Map<String, float[]> grads(CausalLm m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.module().namedParameters().entrySet()) {
            Tensor g = e.getValue().value().grad();
            out.put(e.getKey(), g == null ? null : g.toArray());
            e.getValue().value().setGrad(null);
        }
        return out;
    }

    /**
     * Tolerance 1e-6 relative to each tensor's largest value (loss: to itself): the paths differ only in the order of
     * float sums in the loss and the head's weight gradient.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void fusedLossMatchesForwardThenCrossEntropy(String preset) {
        CausalLm m = Presets.create(preset, 3);
        int b = 2, t = 9;
        int[] in = ids(b * t, 1), targets = ids(b * t, 2);
        targets[4] = CausalLm.IGNORE_INDEX;
        Tensor fused = m.loss(in, targets, b, t);
        Autograd.backward(fused);
        Map<String, float[]> gf = grads(m);
        Tensor plain = F.crossEntropy(F.reshape(m.forward(in, b, t), b * t, 257), targets, CausalLm.IGNORE_INDEX);
        Autograd.backward(plain);
        Map<String, float[]> gp = grads(m);
        assertThat((double) fused.item()).isCloseTo(plain.item(), org.assertj.core.api.Assertions.within(1e-6 * plain.item()));
        for (String name : gp.keySet()) {
            float[] a = gf.get(name), e = gp.get(name);
            assertThat(a).as(name).isNotNull();
            double scale = 0;
            for (float x : e) scale = Math.max(scale, Math.abs(x));
            for (int i = 0; i < e.length; i++)
                assertThat((double) a[i]).as(name + "[" + i + "]").isCloseTo(e[i],
                        org.assertj.core.api.Assertions.within(1e-6 * scale));
        }
    }

    /** A stand-in for a PEFT wrapper: calls the wrapped head and doubles its logits. */
    private static final class DoubledHead extends Module implements Layer {
        DoubledHead(Linear inner) { child("inner", inner); }

        @Override
        public Tensor forward(Tensor x) { return F.scale(this.<Linear>childAt("inner").forward(x), 2f); }
    }

    @Test
    void aReplacedLmHeadIsCalledByName() {
        CausalLm m = Presets.create("llama-tiny", 4);
        int b = 1, t = 8;
        int[] in = ids(t, 5), targets = ids(t, 6);
        float before = m.loss(in, targets, b, t).item();
        Linear head = (Linear) m.module().get("lm_head");
        m.module().replace("lm_head", new DoubledHead(head));
        float after = m.loss(in, targets, b, t).item();
        float expected = F.crossEntropy(F.reshape(m.forward(in, b, t), t, 257), targets, CausalLm.IGNORE_INDEX).item();
        assertThat(after).isEqualTo(expected).isNotEqualTo(before);
    }
}
