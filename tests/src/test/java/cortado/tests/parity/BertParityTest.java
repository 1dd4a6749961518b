package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.Module;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.BertModel;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BertModel, BertForMaskedLM and BertForSequenceClassification against transformers 5.18 (golden files from
 * tools/golden/make_bert_golden.py: a tiny random BERT, float32, eager attention, a padded batch of 3 x 11 with right
 * padding, left padding and two segments).
 *
 * <p>Tolerance, per element: |cortado - torch| <= 1e-5 (1 + |torch|). Both sides compute in float32 and sum the same
 * products in different orders (SIMD GEMM and fused attention here, ATen there). That is float32's own noise: torch's
 * float32 result differs from its float64 one by 1.3e-6 on the hidden states and 4.7e-6 on the MLM logits (|logit| up
 * to 10) on this batch, and two float32 implementations may differ by the sum of such errors; measured here: 1.7e-6
 * and 6.8e-6. A wrong formula misses by far more: the tanh GELU in place of erf gives 4e-4 (logits 3e-3), a padding
 * key left visible 1.6 (both planted and seen to fail).
 */
class BertParityTest {
    private static final double TOL = 1e-5;
    private final Map<String, Tensor> golden = Safetensors.load(Golden.path("bert_golden.safetensors"));

    private EncoderBatch batch() {
        int[] shape = golden.get("input_ids").shape();
        return new EncoderBatch(shape[0], shape[1], Golden.ints(golden.get("input_ids")),
                Golden.ints(golden.get("token_type_ids")), Golden.ints(golden.get("attention_mask")));
    }

    static void assertClose(Tensor actual, Tensor expected, String what) {
        assertThat(actual.shape()).as(what).isEqualTo(expected.shape());
        float[] a = actual.contiguous().toArray(), e = expected.toArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs((double) a[i] - e[i]) / (1 + Math.abs(e[i]));
            if (!(err <= worst)) { worst = err; at = i; }
        }
        System.out.printf("bert parity %s: worst |diff| / (1 + |ref|) = %.2e%n", what, worst);
        assertThat(worst).as(what + " at element " + at + " (" + (at < 0 ? "" : a[at] + " vs " + e[at]) + ")")
                .isLessThanOrEqualTo(TOL);
    }

    @Test
    void hiddenStatesAndPoolerMatchTransformers() {
        Module m = BertCheckpoint.load(Golden.path("bert"));
        assertThat(m).isInstanceOf(BertModel.class);
        try (var g = NoGrad.enter()) {
            BertModel.Output out = ((BertModel) m).forward(batch());
            assertClose(out.lastHiddenState(), golden.get("last_hidden_state"), "last_hidden_state");
            assertClose(out.poolerOutput(), golden.get("pooler_output"), "pooler_output");
        }
    }

    @Test
    void maskedLmLogitsMatchTransformers() {
        Module m = BertCheckpoint.load(Golden.path("bert_mlm"));
        assertThat(m).isInstanceOf(BertForMaskedLM.class);
        try (var g = NoGrad.enter()) {
            assertClose(((BertForMaskedLM) m).forward(batch()), golden.get("mlm_logits"), "mlm_logits");
        }
    }

    @Test
    void classificationLogitsMatchTransformers() {
        Module m = BertCheckpoint.load(Golden.path("bert_cls"));
        assertThat(m).isInstanceOf(BertForSequenceClassification.class);
        try (var g = NoGrad.enter()) {
            assertClose(((BertForSequenceClassification) m).forward(batch()), golden.get("cls_logits"), "cls_logits");
        }
    }

    @Test
    void theEncoderOfAHeadCheckpointLoadsAsBertModel() {
        // as transformers' BertModel.from_pretrained on a BertForSequenceClassification directory: "bert." dropped,
        // the classifier not used; the pooler comes along
        BertModel m = BertCheckpoint.loadModel(Golden.path("bert_cls"));
        assertThat(m.hasPooler()).isTrue();
        try (var g = NoGrad.enter()) {
            assertClose(m.forward(batch()).lastHiddenState(), golden.get("last_hidden_state"), "encoder of bert_cls");
        }
    }

    private static Path copyWithConfig(Path tmp, String config) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(Golden.path("bert").resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    @Test
    void unknownAndUnsupportedConfigFieldsAreRefusedByName(@TempDir Path tmp) throws IOException {
        String base = Files.readString(Golden.path("bert").resolve("config.json"));
        Path dir = copyWithConfig(tmp, base.replaceFirst("\\{", "{\"rotary_dim\": 8,"));
        assertThatThrownBy(() -> BertCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("config.json").hasMessageContaining("field rotary_dim");
        Files.writeString(dir.resolve("config.json"), base.replace("\"is_decoder\": false", "\"is_decoder\": true"));
        assertThatThrownBy(() -> BertCheckpoint.load(dir)).hasMessageContaining("is_decoder = true is not supported");
        Files.writeString(dir.resolve("config.json"), base.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\""));
        assertThatThrownBy(() -> BertCheckpoint.load(dir)).hasMessageContaining("hidden_act = \"relu\"");
        Files.writeString(dir.resolve("config.json"), base.replaceFirst("\\{", "{\"position_embedding_type\": \"relative_key\","));
        assertThatThrownBy(() -> BertCheckpoint.load(dir)).hasMessageContaining("position_embedding_type");
    }

    @Test
    void weightsThatDoNotFitAreNamed(@TempDir Path tmp) throws IOException {
        String base = Files.readString(Golden.path("bert").resolve("config.json"));
        Path dir = copyWithConfig(tmp, base.replace("\"intermediate_size\": 37", "\"intermediate_size\": 38"));
        assertThatThrownBy(() -> BertCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("intermediate.dense.weight is [37, 32]");
    }
}
