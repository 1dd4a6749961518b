package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.Collection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end through autograd: plain SGD on one batch of 32 byte tokens memorises it. Each step is clipped to global
 * gradient norm 1 (so no single step can overshoot) at lr 1; tried over seeds 40-45 for both families, the loss is
 * below 0.45 after 80 steps every time, so the bound of 20% of ln(257) = 1.1 leaves a wide margin.
 */
class OverfitTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void tinyModelMemorisesOneBatch(String preset) {
        CausalLm m = Presets.create(preset, 42);
        byte[] text = "the cat sat on the mat. the dog sat on the log.".getBytes();
        int b = 2, t = 16;
        int[] ids = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < b * t; i++) {
            ids[i] = text[i];
            targets[i] = text[i + 1];
        }
        Collection<Parameter> params = m.module().namedParameters().values();
        float first = 0, last = 0;
        for (int step = 0; step < 80; step++) {
            Tensor loss = m.loss(ids, targets, b, t);
            if (step == 0) first = loss.item();
            last = loss.item();
            Autograd.backward(loss);
            try (NoGrad g = NoGrad.enter()) {
                double sq = 0;
                for (Parameter p : params) sq += p.value().backend().sumOfSquares(p.value().grad());
                float lr = (float) Math.min(1.0, 1.0 / Math.sqrt(sq));
                for (Parameter p : params) {
                    Tensor w = p.value();
                    w.backend().axpyInPlace(w, -lr, w.grad());
                    w.setGrad(null);
                }
            }
        }
        assertThat((double) first).isCloseTo(Math.log(257), within(0.3));
        assertThat(last).as("loss after 80 SGD steps (started at %s)", first).isLessThan(first * 0.2f);
    }
}
