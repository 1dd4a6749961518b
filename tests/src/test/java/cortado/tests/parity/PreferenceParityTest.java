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
import cortado.train.align.KtoLoss;
import cortado.train.align.ReferenceFreeLoss;
import cortado.train.align.SequenceLogProbs;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPO sigmoid, IPO, robust and hinge losses (and KTO, and the reference-free ORPO, CPO and SimPO), TRL's reward metrics and the gradients they send into the tiny golden GPT-2,
 * against TRL 1.13's own DPOTrainer._compute_loss on the same batch (tools/golden/train/make_preference_golden.py).
 *
 * <p>Tolerance: loss and metrics within 1e-5 relative (+1e-5 absolute): float32 on both sides, sums of ~10 token
 * log-probs of magnitude ~5 differ in the last bits only. Gradients by {@link Golden#compare} (per element), and
 * their largest difference within 1e-5 of the largest entry (measured about 1.5e-6). A swapped chosen/rejected row, a missing 1/(2 beta) or a
 * wrong smoothing sign moves the loss by 1e-2 or more.
 */
class PreferenceParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "ipo", "robust", "hinge"})
    void lossMetricsAndGradientsMatchTrl(String type) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("preference_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            int n = Integer.parseInt(meta.get("N")), t = Integer.parseInt(meta.get("T")), rows = 2 * n;
            int[] ids = Golden.ints(f.toFloatTensor("input_ids"));
            int[] mask = Golden.ints(f.toFloatTensor("completion_mask"));
            float[] ref = f.toFloatTensor("ref_logps").toArray();
            DpoLoss.Config config = new DpoLoss.Config(DpoLoss.Type.parse(type), Float.parseFloat(meta.get(type + ".beta")),
                    Float.parseFloat(meta.get("label_smoothing")));

            CausalLm model = HfCheckpoint.load(Golden.path("gpt2"));
            model.module().train(false);
            int[] labels = SequenceLogProbs.labels(ids, mask, rows, t);
            int[] lengths = SequenceLogProbs.counts(labels, rows);
            Tensor logps = SequenceLogProbs.sum(model.forward(ids, rows, t), labels);
            DpoLoss.Result r = DpoLoss.compute(config, logps, ref, lengths);
            Autograd.backward(r.loss());

            check(f, type, r, model);
        }
    }

    /** ORPO, CPO and SimPO against trl.experimental's ORPOTrainer / CPOTrainer get_batch_loss_metrics. */
    @ParameterizedTest
    @ValueSource(strings = {"orpo", "cpo", "simpo"})
    void referenceFreeLossesMatchTrlExperimental(String type) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("preference_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            int n = Integer.parseInt(meta.get("N")), t = Integer.parseInt(meta.get("T")), rows = 2 * n;
            int[] ids = Golden.ints(f.toFloatTensor("input_ids"));
            int[] mask = Golden.ints(f.toFloatTensor("completion_mask"));
            Map<String, Object> cfg = Json.parseObject(meta.get(type + ".config"));
            ReferenceFreeLoss.Config config = new ReferenceFreeLoss.Config(ReferenceFreeLoss.Type.parse(type),
                    num(cfg, "beta", 0), num(cfg, "label_smoothing", 0), num(cfg, "cpo_alpha", 0),
                    num(cfg, "simpo_gamma", 0));
            CausalLm model = HfCheckpoint.load(Golden.path("gpt2"));
            model.module().train(false);
            DpoLoss.Result r = ReferenceFreeLoss.compute(config, model.forward(ids, rows, t), ids, mask);
            Autograd.backward(r.loss());
            check(f, type, r, model);
        }
    }

    /** KTO against TRL's KTOTrainer._compute_loss: unpaired rows, the KL estimate from mismatched rows. */
    @org.junit.jupiter.api.Test
    void ktoMatchesTrl() throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("preference_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            int n = Integer.parseInt(meta.get("N")), t = Integer.parseInt(meta.get("T")), rows = 2 * n;
            int[] ids = Golden.ints(f.toFloatTensor("input_ids"));
            int[] mask = Golden.ints(f.toFloatTensor("completion_mask"));
            int[] label = Golden.ints(f.toFloatTensor("kto.label"));
            boolean[] desirable = new boolean[rows];
            for (int i = 0; i < rows; i++) desirable[i] = label[i] != 0;
            int[] klIds = Golden.ints(f.toFloatTensor("kto.KL_input_ids"));
            int[] klMask = Golden.ints(f.toFloatTensor("kto.KL_completion_mask"));
            Map<String, Object> cfg = Json.parseObject(meta.get("kto.config"));
            KtoLoss.Config config = new KtoLoss.Config(num(cfg, "beta", 0), num(cfg, "desirable_weight", 1),
                    num(cfg, "undesirable_weight", 1));
            CausalLm model = HfCheckpoint.load(Golden.path("gpt2"));
            model.module().train(false);
            int[] klLabels = SequenceLogProbs.labels(klIds, klMask, rows, t);
            float[] klPolicy;
            try (cortado.autograd.NoGrad g = cortado.autograd.NoGrad.enter()) {
                klPolicy = SequenceLogProbs.sum(model.forward(klIds, rows, t), klLabels).toArray();
            }
            Tensor logps = SequenceLogProbs.sum(model.forward(ids, rows, t), SequenceLogProbs.labels(ids, mask, rows, t));
            DpoLoss.Result r = KtoLoss.compute(config, logps, f.toFloatTensor("ref_logps").toArray(), desirable,
                    klPolicy, f.toFloatTensor("kto.ref_KL_logps").toArray());
            Autograd.backward(r.loss());
            check(f, "kto", r, model);
        }
    }

    static float num(Map<String, Object> cfg, String key, float otherwise) {
        return cfg.get(key) instanceof Number x ? x.floatValue() : otherwise;
    }

    /** Loss, every metric TRL logged, and the gradients into wte and the first attention. */
    static void check(SafetensorsFile f, String type, DpoLoss.Result r, CausalLm model) throws Exception {
        Map<String, String> meta = f.metadata();
        double expectedLoss = f.toFloatTensor(type + ".loss").item();
        System.out.printf("%s parity: loss cortado %.8f trl %.8f%n", type, r.loss().item(), expectedLoss);
        assertThat((double) r.loss().item()).as(type + " loss").isCloseTo(expectedLoss,
                within(TOL * Math.abs(expectedLoss) + TOL));
        Map<String, Object> expected = Json.parseObject(meta.get(type + ".metrics"));
        assertThat(r.metrics().keySet()).as(type + " metrics").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (var e : r.metrics().entrySet()) {
            double want = ((Number) expected.get(e.getKey())).doubleValue();
            assertThat(e.getValue()).as(type + " " + e.getKey()).isCloseTo(want, within(TOL * Math.abs(want) + TOL));
        }
        Map<String, Parameter> params = model.module().namedParameters();
        double wte = Golden.compare(type + " d/d wte", params.get("transformer.wte.weight").value().grad(),
                f.toFloatTensor(type + ".grad_wte"));
        double attn = Golden.compare(type + " d/d h.0.attn.c_attn",
                params.get("transformer.h.0.attn.c_attn.weight").value().grad(), f.toFloatTensor(type + ".grad_h0_attn"));
        System.out.printf("%s parity: gradients max|d|/max|ref| wte %.2e, h.0.attn %.2e%n", type, wte, attn);
        assertThat(Math.max(wte, attn)).as(type + " gradients max|d|/max|ref|").isLessThanOrEqualTo(TOL);
    }
}
