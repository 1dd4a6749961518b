package cortado.train.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.GradCheck;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gradient checks for the sequence log-probs and each DPO loss; the closed forms on a hand-worked pair. */
class DpoLossTest {
    static Tensor random(long seed, float scale, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[(int) Tensor.numelOf(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * scale);
        return Tensor.of(v, shape).requiresGrad(true);
    }

    @Test
    void sequenceLogProbsGradientChecks() {
        int[] ids = {3, 1, 4, 1, 5, 0, 2, 6, 5, 3, 5, 0};
        int[] mask = {0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0};
        int[] labels = SequenceLogProbs.labels(ids, mask, 2, 6);
        assertThat(labels).containsExactly(-100, 4, 1, 5, -100, -100, 6, 5, 3, 5, -100, -100);
        assertThat(SequenceLogProbs.counts(labels, 2)).containsExactly(3, 4);
        GradCheck.check(in -> SequenceLogProbs.sum(in[0], labels), random(1, 1f, 2, 6, 7)).assertPassed();
    }

    @Test
    void everyLossTypeGradientChecks() {
        float[] ref = {-3.1f, -2.2f, -2.9f, -2.5f};
        int[] lengths = {3, 5, 4, 2};
        for (DpoLoss.Type t : DpoLoss.Type.values()) {
            DpoLoss.Config c = new DpoLoss.Config(t, 0.5f, 0.2f);
            GradCheck.check(in -> DpoLoss.compute(c, in[0], ref, lengths).loss(), random(2, 1.5f, 4)).assertPassed();
        }
    }

    @Test
    void sigmoidLossAndMetricsByHand() {
        // one pair: log-ratios chosen 1.0, rejected -1.0, beta 0.5 -> h = 2, loss = log(1 + e^-1)
        Tensor policy = Tensor.of(new float[] {-2f, -4f}, 2);
        DpoLoss.Result r = DpoLoss.compute(new DpoLoss.Config(DpoLoss.Type.SIGMOID, 0.5f, 0f), policy,
                new float[] {-3f, -3f}, new int[] {2, 2});
        assertThat((double) r.loss().item()).isCloseTo(Math.log1p(Math.exp(-1)), within(1e-6));
        assertThat(r.metrics().get("rewards/chosen")).isCloseTo(0.5, within(1e-9));
        assertThat(r.metrics().get("rewards/margins")).isCloseTo(1.0, within(1e-9));
        assertThat(r.metrics().get("rewards/accuracies")).isEqualTo(1.0);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> DpoLoss.Type.parse("kto")).hasMessageContaining("unknown DPO loss 'kto'");
        assertThatThrownBy(() -> new DpoLoss.Config(DpoLoss.Type.ROBUST, 0.1f, 0.5f)).hasMessageContaining("[0, 0.5)");
        assertThatThrownBy(() -> new DpoLoss.Config(DpoLoss.Type.SIGMOID, 0f, 0f)).hasMessageContaining("beta");
    }
}
