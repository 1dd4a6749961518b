package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertModel;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code forward(inputs_embeds=...)} of the tiny GPT-2 (learned positions added to the embeddings) and Llama (RoPE)
 * against transformers (tools/golden/make_inputs_embeds_golden.py: float32, eager attention, dropout 0): logits from
 * the looked-up rows equal logits from the ids; logits, loss and the gradient reaching the embeddings for arbitrary
 * embeddings; and a cached prefill continued by more embeddings through the KV cache. For BERT: hidden states and pooler
 * output from inputs_embeds, token types, positions and a padding mask.
 *
 * <p>Tolerance: {@link Golden#compare} (max |Δ| / max |ref| <= 1e-4, per element 2e-5 max|ref| + 1e-4 |ref|), as
 * ModelParityTest: float32 on both sides in different summation orders, a few ulps through two layers, while a
 * missing position embedding or a wrong rotary offset moves the logits by 1e-1 and more.
 */
class InputsEmbedsParityTest {
    private static final int P = 5;   // the cached case's prefill length

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void logitsLossAndGradientOfInputsEmbedsMatchTransformers(String family) {
        CausalLm model = HfCheckpoint.load(Golden.path(family));
        Map<String, Tensor> g = Safetensors.load(Golden.path(family + "_inputs_embeds.safetensors"));
        int b = g.get("input_ids").size(0), t = g.get("input_ids").size(1);
        int[] ids = Golden.ints(g.get("input_ids"));

        try (NoGrad ng = NoGrad.enter()) {
            Tensor fromIds = model.forward(ids, b, t);
            Golden.compare(family + " logits from ids", fromIds, g.get("logits_ids"));
            // The looked-up rows fed back as inputs_embeds: exactly the ids' computation, and transformers' too.
            Tensor fromRows = model.forwardEmbeds(model.embed(ids), b, t);
            assertThat(fromRows.toArray()).containsExactly(fromIds.toArray());
            Golden.compare(family + " logits from looked-up rows", fromRows, g.get("logits_rows"));
        }

        Tensor embeds = g.get("inputs_embeds").requiresGrad(true);
        Golden.compare(family + " logits from inputs_embeds", model.forwardEmbeds(embeds, b, t), g.get("logits_embeds"));
        Tensor loss = model.lossFromEmbeds(embeds, Golden.ints(g.get("labels")), b, t);
        Golden.compare(family + " loss from inputs_embeds", loss, g.get("loss_embeds"));
        Autograd.backward(loss);
        Golden.compare(family + " d loss / d inputs_embeds", embeds.grad(), g.get("grad.inputs_embeds"));

        try (NoGrad ng = NoGrad.enter()) {
            Tensor all = g.get("inputs_embeds");
            KvCache cache = model.newCache(b, t);
            model.forwardEmbeds(all.slice(1, 0, P).contiguous(), b, P, cache);
            Tensor rest = model.forwardEmbeds(all.slice(1, P, t).contiguous(), b, t - P, cache);
            Golden.compare(family + " cached logits from inputs_embeds", rest, g.get("logits_cached"));
        }
    }

    @Test
    void bertHiddenStatesFromInputsEmbedsMatchTransformers() {
        BertModel model = BertCheckpoint.loadModel(Golden.path("bert"));
        Map<String, Tensor> g = Safetensors.load(Golden.path("bert_inputs_embeds.safetensors"));
        int b = g.get("input_ids").size(0), t = g.get("input_ids").size(1);
        int[] ids = Golden.ints(g.get("input_ids")), types = Golden.ints(g.get("token_type_ids"));
        int[] mask = Golden.ints(g.get("attention_mask"));
        try (NoGrad ng = NoGrad.enter()) {
            EncoderBatch batch = new EncoderBatch(b, t, ids, types, mask);
            Tensor fromIds = model.forward(batch).lastHiddenState();
            Tensor rows = model.embeddings().wordEmbeddings().forward(ids);
            Tensor fromRows = model.forward(EncoderBatch.ofEmbeds(b, t, types, mask), rows).lastHiddenState();
            assertThat(fromRows.toArray()).containsExactly(fromIds.toArray());
            Golden.compare("bert hidden states from looked-up rows", fromRows, g.get("hidden_rows"));
            BertModel.Output out = model.forward(EncoderBatch.ofEmbeds(b, t, types, mask), g.get("inputs_embeds"));
            Golden.compare("bert hidden states from inputs_embeds", out.lastHiddenState(), g.get("hidden_embeds"));
            Golden.compare("bert pooler output from inputs_embeds", out.poolerOutput(), g.get("pooler_embeds"));
        }
    }
}
