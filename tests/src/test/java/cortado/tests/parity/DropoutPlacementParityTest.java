package cortado.tests.parity;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where each family applies its dropout, against transformers in training mode (tools/golden/make_dropout_golden.py):
 * both sides replace every dropout by a fixed scaling (a different factor per site), so the outputs are deterministic
 * and a dropout in the wrong place (before a bias, norm or residual add; on the attention output instead of its
 * probabilities) shows. Cortado replaces its dropout layers by name; with one on the attention probabilities the
 * attention runs its explicit-probabilities path, so this also checks that path against transformers' eager attention.
 *
 * <p>Tolerance: {@link Golden#compare} as ModelParityTest (float32 both sides, different summation orders); a
 * misplaced factor moves the outputs by 1e-1 and more.
 */
class DropoutPlacementParityTest {
    private final Map<String, Tensor> golden = Safetensors.load(Golden.path("dropout_golden.safetensors"));

    /** Stands in for a dropout layer: x * factor. */
    private static final class Scale extends Module implements Layer {
        private final float factor;

        Scale(float factor) { this.factor = factor; }

        @Override public Tensor forward(Tensor x) { return F.scale(x, factor); }
    }

    /** Replaces every module whose path ends with one of the suffixes by its scaling; the first matching suffix wins. */
    private static void replaceAll(Module root, Map<String, Float> suffixes) {
        for (String path : new java.util.ArrayList<>(root.namedModules().keySet()))
            for (Map.Entry<String, Float> e : suffixes.entrySet())
                if (path.equals(e.getKey()) || path.endsWith("." + e.getKey())) {
                    root.replace(path, new Scale(e.getValue()));
                    break;
                }
    }

    @Test
    void gpt2EmbeddingAttentionProbabilitiesResidualAndMlpDropout() {
        CausalLm m = HfCheckpoint.load(Golden.path("gpt2"));
        Map<String, Float> sites = new LinkedHashMap<>();
        sites.put("transformer.drop", 0.9f);
        sites.put("attn.attn_dropout", 0.8f);
        sites.put("attn.resid_dropout", 0.7f);
        sites.put("mlp.dropout", 0.6f);
        replaceAll(m.module(), sites);
        m.module().train();
        int[] ids = Golden.ints(golden.get("gpt2.input_ids"));
        try (NoGrad g = NoGrad.enter()) {
            Golden.compare("gpt2 logits with fixed dropout", m.forward(ids, 2, 8), golden.get("gpt2.logits"));
        }
    }

    @Test
    void llamaAttentionDropoutOnTheProbabilities() {
        Path dir = Golden.path("llama");
        Map<String, Object> config = new LinkedHashMap<>(HfCheckpoint.readConfig(dir));
        config.put("attention_dropout", 0.5);   // the golden ran with 0.5, replaced by a fixed x0.8
        CausalLm m = Models.forLoading(config);
        HfCheckpoint.loadWeights(m, dir, false);
        replaceAll(m.module(), Map.of("self_attn.attention_dropout", 0.8f));
        m.module().train();
        int[] ids = Golden.ints(golden.get("llama.input_ids"));
        try (NoGrad g = NoGrad.enter()) {
            Golden.compare("llama logits with fixed dropout", m.forward(ids, 2, 8), golden.get("llama.logits"));
        }
    }

    @Test
    void bertEmbeddingsProbabilitiesSublayersAndClassifierDropout() {
        BertForSequenceClassification m = BertCheckpoint.loadSequenceClassification(Golden.path("bert_cls"));
        Map<String, Float> sites = new LinkedHashMap<>();
        sites.put("embeddings.dropout", 0.9f);
        sites.put("attention.self.dropout", 0.8f);
        sites.put("attention.output.dropout", 0.7f);
        sites.put("output.dropout", 0.6f);   // the layer's own (attention.output.dropout matched above)
        replaceAll(m, sites);
        m.replace("dropout", new Scale(0.5f));
        m.train();
        EncoderBatch batch = new EncoderBatch(2, 8, Golden.ints(golden.get("bert.input_ids")), null, null);
        try (NoGrad g = NoGrad.enter()) {
            Golden.compare("bert logits with fixed dropout", m.forward(batch), golden.get("bert.logits"));
            Golden.compare("bert hidden states with fixed dropout", m.bert().forward(batch).lastHiddenState(),
                    golden.get("bert.last_hidden_state"));
        }
    }
}
