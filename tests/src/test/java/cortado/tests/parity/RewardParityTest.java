package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.DecoderLm;
import cortado.tensor.Tensor;
import cortado.train.align.DpoLoss;
import cortado.train.align.RewardLoss;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reward model (a scalar head on the tiny golden GPT-2, pooled at each row's last non-pad token) and its
 * pairwise loss, with and without TRL's margin and reward centering, against transformers'
 * GPT2ForSequenceClassification and TRL 1.13's RewardTrainer.compute_loss (tools/golden/train/make_reward_golden.py).
 *
 * <p>Tolerance: rewards, loss and metrics within 1e-5 relative (+1e-5 absolute), float32 on both sides; gradients
 * per element by {@link Golden#compare} and their largest difference within 1e-5 of the largest entry. Pooling one
 * position off (the pad instead of the last real token) moves the rewards by 1e-2 or more.
 */
class RewardParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"plain", "margin"})
    void rewardsLossMetricsAndGradientsMatchTrl(String kase) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("reward_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            int n = Integer.parseInt(meta.get("N")), t = Integer.parseInt(meta.get("T"));
            int[] ids = Golden.ints(f.toFloatTensor("input_ids"));
            DecoderLm lm = (DecoderLm) HfCheckpoint.load(Golden.path("gpt2"));
            DecoderForSequenceClassification rm = new DecoderForSequenceClassification(lm, 1,
                    Integer.parseInt(meta.get("pad_token_id")));
            rm.namedParameters().get("score.weight").set(f.toFloatTensor("score.weight"));
            assertThat(rm.namedParameters()).containsKey("transformer.wte.weight").doesNotContainKey("lm_head.weight");
            rm.train(false);

            Tensor rewards = rm.forward(ids, 2 * n, t);
            float[] want = f.toFloatTensor("rewards").toArray(), got = rewards.toArray();
            for (int i = 0; i < want.length; i++)
                assertThat((double) got[i]).as("reward " + i).isCloseTo(want[i], within(TOL * Math.abs(want[i]) + TOL));

            boolean margin = kase.equals("margin");
            DpoLoss.Result r = RewardLoss.compute(rewards, margin ? f.toFloatTensor("margin").toArray() : null,
                    margin ? Float.parseFloat(meta.get("center")) : 0f);
            Autograd.backward(r.loss());
            double expectedLoss = f.toFloatTensor(kase + ".loss").item();
            System.out.printf("reward %s parity: loss cortado %.8f trl %.8f%n", kase, r.loss().item(), expectedLoss);
            assertThat((double) r.loss().item()).isCloseTo(expectedLoss, within(TOL * Math.abs(expectedLoss) + TOL));
            Map<String, Object> expected = Json.parseObject(meta.get(kase + ".metrics"));
            assertThat(r.metrics().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (var e : r.metrics().entrySet()) {
                double w = ((Number) expected.get(e.getKey())).doubleValue();
                assertThat(e.getValue()).as(kase + " " + e.getKey()).isCloseTo(w, within(TOL * Math.abs(w) + TOL));
            }
            Map<String, Parameter> p = rm.namedParameters();
            double worst = Math.max(Golden.compare(kase + " d/d score", p.get("score.weight").value().grad(),
                    f.toFloatTensor(kase + ".grad_score")), Math.max(
                    Golden.compare(kase + " d/d wte", p.get("transformer.wte.weight").value().grad(),
                            f.toFloatTensor(kase + ".grad_wte")),
                    Golden.compare(kase + " d/d h.0.attn", p.get("transformer.h.0.attn.c_attn.weight").value().grad(),
                            f.toFloatTensor(kase + ".grad_h0_attn"))));
            System.out.printf("reward %s parity: gradients max|d|/max|ref| %.2e%n", kase, worst);
            assertThat(worst).isLessThanOrEqualTo(TOL);
        }
    }
}
