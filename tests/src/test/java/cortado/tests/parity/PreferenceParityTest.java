package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.align.DpoLoss;
import cortado.train.align.SequenceLogProbs;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPO sigmoid, IPO and robust losses, TRL's reward metrics and the gradients they send into the tiny golden GPT-2,
 * against TRL 1.13's own DPOTrainer._compute_loss on the same batch (tools/golden/train/make_preference_golden.py).
 *
 * <p>Tolerance: loss and metrics within 1e-5 relative (+1e-5 absolute): float32 on both sides, sums of ~10 token
 * log-probs of magnitude ~5 differ in the last bits only. Gradients by {@link Golden#compare} (1e-4 of the largest
 * entry), the bound every other gradient parity here uses. A swapped chosen/rejected row, a missing 1/(2 beta) or a
 * wrong smoothing sign moves the loss by 1e-2 or more.
 */
class PreferenceParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "ipo", "robust"})
    void lossMetricsAndGradientsMatchTrl(String type) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("preference_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            int n = Integer.parseInt(meta.get("N")), t = Integer.parseInt(meta.get("T")), rows = 2 * n;
            int[] ids = Golden.ints(f.toFloatTensor("input_ids"));
            int[] mask = Golden.ints(f.toFloatTensor("completion_mask"));
            float[] ref = f.toFloatTensor("ref_logps").toArray();
            DpoLoss.Config config = new DpoLoss.Config(DpoLoss.Type.parse(type), Float.parseFloat(meta.get("beta")),
                    Float.parseFloat(meta.get("label_smoothing")));

            CausalLm model = HfCheckpoint.load(Golden.path("gpt2"));
            model.module().train(false);
            int[] labels = SequenceLogProbs.labels(ids, mask, rows, t);
            int[] lengths = SequenceLogProbs.counts(labels, rows);
            Tensor logps = SequenceLogProbs.sum(model.forward(ids, rows, t), labels);
            DpoLoss.Result r = DpoLoss.compute(config, logps, ref, lengths);
            Autograd.backward(r.loss());

            double expectedLoss = f.toFloatTensor(type + ".loss").item();
            System.out.printf("%s DPO parity: loss cortado %.8f trl %.8f%n", type, r.loss().item(), expectedLoss);
            assertThat((double) r.loss().item()).as(type + " loss").isCloseTo(expectedLoss,
                    within(TOL * Math.abs(expectedLoss) + TOL));
            Map<String, Object> expected = Json.parseObject(meta.get(type + ".metrics"));
            for (var e : r.metrics().entrySet()) {
                double want = ((Number) expected.get(e.getKey())).doubleValue();
                assertThat(e.getValue()).as(type + " " + e.getKey()).isCloseTo(want, within(TOL * Math.abs(want) + TOL));
            }
            Map<String, Parameter> params = model.module().namedParameters();
            Golden.compare(type + " d/d wte", params.get("transformer.wte.weight").value().grad(),
                    f.toFloatTensor(type + ".grad_wte"));
            Golden.compare(type + " d/d h.0.attn.c_attn", params.get("transformer.h.0.attn.c_attn.weight").value().grad(),
                    f.toFloatTensor(type + ".grad_h0_attn"));
        }
    }
}
