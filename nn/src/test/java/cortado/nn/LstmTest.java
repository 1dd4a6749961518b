package cortado.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.GradCheck;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The LSTM's gradients against central differences (every weight, bias and input element of a two-layer
 * bidirectional LSTM), its torch parameter names and shapes, and that the reverse direction reads the sequence
 * backwards. Its outputs against torch's nn.LSTM are checked through P-tuning's LSTM prompt encoder
 * ({@code PromptLearningParityTest}).
 */
class LstmTest {
    private static Tensor random(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(-1, 1);
        return t;
    }

    @Test
    void gradientsOfEveryWeightAndTheInput() {
        Lstm lstm = new Lstm(3, 2, 2, true).initialize(5);
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(random(1, 2, 3, 3).requiresGrad(true));
        for (Parameter p : lstm.namedParameters().values()) inputs.add(p.value().requiresGrad(true));
        GradCheck.Result r = GradCheck.check(in -> lstm.forward(in[0]), inputs.toArray(Tensor[]::new));
        System.out.println("gradcheck lstm: " + r);
        r.assertPassed();
        assertThat(r.checked()).isEqualTo(lstm.parameterCount() + 18);
    }

    @Test
    void torchNamesAndShapes() {
        Lstm lstm = new Lstm(4, 3, 2, true);
        assertThat(lstm.namedParameters().keySet()).containsExactly(
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse");
        assertThat(lstm.namedParameters().get("weight_ih_l0").shape()).containsExactly(12, 4);
        assertThat(lstm.namedParameters().get("weight_ih_l1").shape()).containsExactly(12, 6);
        assertThat(lstm.forward(random(2, 2, 5, 4)).shape()).containsExactly(2, 5, 6);
        assertThatThrownBy(() -> lstm.forward(random(2, 2, 5, 3))).hasMessageContaining("[B, T, 4]");
    }

    @Test
    void theReverseDirectionStartsAtTheLastStep() {
        Lstm lstm = new Lstm(2, 3, 1, true).initialize(9);
        float[] xs = random(3, 1, 4, 2).toArray();
        float[] y = lstm.forward(Tensor.of(xs.clone(), 1, 4, 2)).toArray();
        // The backward half at the last step has seen only that step, from zero state; the forward half at step 0
        // only step 0: each equals the one-step LSTM over that element.
        float[] last = lstm.forward(Tensor.of(new float[] {xs[6], xs[7]}, 1, 1, 2)).toArray();
        float[] first = lstm.forward(Tensor.of(new float[] {xs[0], xs[1]}, 1, 1, 2)).toArray();
        for (int c = 0; c < 3; c++) {
            assertThat(y[3 * 6 + 3 + c]).isEqualTo(last[3 + c]);
            assertThat(y[c]).isEqualTo(first[c]);
        }
        assertThat(y[3 + 0]).isNotEqualTo(first[3]);   // the backward half at step 0 has seen the whole sequence
    }
}
