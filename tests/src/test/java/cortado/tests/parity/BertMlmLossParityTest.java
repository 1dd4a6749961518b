package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.nn.Parameter;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import cortado.nn.io.Safetensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The masked-LM loss (cross-entropy over labelled positions, -100 ignored) of BertForMaskedLM and every parameter's
 * gradient against transformers 5.18 on a fixed masked batch (tools/golden/make_bert_mlm_loss_golden.py). Tolerance:
 * Golden.compare's float32 bounds (1e-4 relative to the tensor's max), different summation orders on both sides.
 */
class BertMlmLossParityTest {
    @Test
    void mlmLossAndGradientsMatchTransformers() {
        Map<String, Tensor> g = Safetensors.load(Golden.path("bert_mlm_loss_golden.safetensors"));
        BertForMaskedLM model = (BertForMaskedLM) BertCheckpoint.load(Golden.path("bert_mlm"));
        int b = g.get("input_ids").size(0), t = g.get("input_ids").size(1);
        EncoderBatch batch = new EncoderBatch(b, t, Golden.ints(g.get("input_ids")),
                Golden.ints(g.get("token_type_ids")), Golden.ints(g.get("attention_mask")));
        Tensor loss = F.crossEntropy(F.reshape(model.forward(batch), b * t, model.config().vocabSize()), Golden.ints(g.get("labels")), -100);
        float refLoss = g.get("loss").toArray()[0];
        assertThat(loss.item()).as("mlm loss").isCloseTo(refLoss, within(1e-5f * refLoss));
        Autograd.backward(loss);
        int compared = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor ref = g.get("grad." + e.getKey());
            if (ref == null) continue;
            if (e.getKey().endsWith("attention.self.key.bias")) {
                // d loss / d key bias is exactly 0 (it adds q·b to every score of a query row, which softmax ignores):
                // both sides hold rounding noise only, so check it is noise rather than compare two noises
                for (float v : e.getValue().value().grad().toArray()) assertThat(Math.abs(v)).isLessThan(1e-5f);
                compared++;
                continue;
            }
            Golden.compare("grad." + e.getKey(), e.getValue().value().grad(), ref);
            compared++;
        }
        assertThat(compared).as("parameters compared by HF name").isGreaterThanOrEqualTo(40);
    }
}
