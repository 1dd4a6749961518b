package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.F;
import cortado.nn.io.DecoderHeadCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.DecoderForQuestionAnswering;
import cortado.nn.models.DecoderForTokenClassification;
import cortado.nn.models.SpanLogits;
import cortado.nn.models.TaskLabels;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForMultipleChoice;
import cortado.nn.models.bert.BertForQuestionAnswering;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.BertForTokenClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task heads against transformers 5.18 on tiny random models (tools/golden/heads/make_task_heads_golden.py): logits and
 * the HF loss of BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering,
 * BertForMultipleChoice, GPT2/LlamaForTokenClassification and GPT2/LlamaForQuestionAnswering, each loaded from the
 * directory transformers' save_pretrained wrote (so the parameter names are HF's). Tolerances: logits by
 * Golden.compare's float32 bounds (1e-4 of the tensor's max; different summation orders); losses 1e-5 relative.
 * Decoder tagging logits are compared at real positions only: transformers' padded query rows attend through its padding mask,
 * Cortado's right-padded ones to the padding itself, and neither is scored (labels -100).
 */
class TaskHeadsParityTest {
    static final Map<String, Tensor> G = Safetensors.load(Golden.path("heads_golden.safetensors"));

    static EncoderBatch batch(String p, int rows, int seq) {
        return new EncoderBatch(rows, seq, Golden.ints(G.get(p + ".input_ids")), Golden.ints(G.get(p + ".token_type_ids")),
                Golden.ints(G.get(p + ".attention_mask")));
    }

    static void assertLoss(String p, Tensor loss) {
        float ref = G.get(p + ".loss").toArray()[0];
        assertThat(loss.item()).as(p + " loss").isCloseTo(ref, within(1e-5f * Math.abs(ref)));
    }

    @Test
    void bertSequenceClassification() {
        var m = (BertForSequenceClassification) BertCheckpoint.load(Golden.path("heads/bert_seq_cls"));
        Tensor logits = m.forward(batch("bert_seq_cls", 3, 9));
        Golden.compare("logits", logits, G.get("bert_seq_cls.logits"));
        assertLoss("bert_seq_cls", F.crossEntropy(logits, Golden.ints(G.get("bert_seq_cls.labels")), -100));
    }

    @Test
    void bertTokenClassification() {
        Path dir = Golden.path("heads/bert_token_cls");
        var m = (BertForTokenClassification) BertCheckpoint.load(dir);
        Tensor logits = m.forward(batch("bert_token_cls", 3, 9));
        Golden.compare("logits", logits.reshape(3, 9, 5), G.get("bert_token_cls.logits"));
        assertLoss("bert_token_cls", F.crossEntropy(logits, Golden.ints(G.get("bert_token_cls.labels")), -100));
        assertThat(TaskLabels.of(cortado.nn.io.HfCheckpoint.readConfig(dir)).names())
                .containsExactly("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
    }

    @Test
    void bertQuestionAnsweringWithAPositionPastTheSequence() {
        var m = (BertForQuestionAnswering) BertCheckpoint.load(Golden.path("heads/bert_qa"));
        SpanLogits s = m.forward(batch("bert_qa", 3, 9));
        Golden.compare("start_logits", s.start(), G.get("bert_qa.start_logits"));
        Golden.compare("end_logits", s.end(), G.get("bert_qa.end_logits"));
        assertLoss("bert_qa", s.loss(Golden.ints(G.get("bert_qa.start_positions")), Golden.ints(G.get("bert_qa.end_positions"))));
    }

    @Test
    void bertMultipleChoice() {
        var m = (BertForMultipleChoice) BertCheckpoint.load(Golden.path("heads/bert_choice"));
        Tensor logits = m.forward(batch("bert_choice", 9, 9), 3);
        Golden.compare("logits", logits, G.get("bert_choice.logits"));
        assertLoss("bert_choice", F.crossEntropy(logits, Golden.ints(G.get("bert_choice.labels")), -100));
    }

    @Test
    void decoderTokenClassification() {
        for (String fam : List.of("gpt2", "llama")) {
            String p = fam + "_token_cls";
            DecoderForTokenClassification m = DecoderHeadCheckpoint.loadTokenClassification(Golden.path("heads/" + p));
            assertThat(m.namedParameters()).containsKey(fam.equals("gpt2") ? "classifier.weight" : "score.weight");
            Tensor logits = m.forward(Golden.ints(G.get(p + ".input_ids")), 3, 9);
            compareRealPositions(p + " logits", logits.reshape(3, 9, 5), G.get(p + ".logits"), G.get(p + ".attention_mask"));
            assertLoss(p, F.crossEntropy(logits, Golden.ints(G.get(p + ".labels")), -100));
        }
    }

    @Test
    void decoderQuestionAnswering() {
        for (String fam : List.of("gpt2", "llama")) {
            String p = fam + "_qa";
            DecoderForQuestionAnswering m = DecoderHeadCheckpoint.loadQuestionAnswering(Golden.path("heads/" + p));
            assertThat(m.namedParameters()).containsKey("qa_outputs.weight").containsKey(
                    fam.equals("gpt2") ? "transformer.wte.weight" : "transformer.embed_tokens.weight");
            SpanLogits s = m.forward(Golden.ints(G.get(p + ".input_ids")), 3, 9);
            Golden.compare(p + " start", s.start(), G.get(p + ".start_logits"));   // unpadded rows
            Golden.compare(p + " end", s.end(), G.get(p + ".end_logits"));
            assertLoss(p, s.loss(Golden.ints(G.get(p + ".start_positions")), Golden.ints(G.get(p + ".end_positions"))));
        }
    }

    @Test
    void headsSaveAndLoadBackUnderTheirArchitecture(@TempDir Path tmp) {
        var m = (BertForTokenClassification) BertCheckpoint.load(Golden.path("heads/bert_token_cls"));
        BertCheckpoint.save(m, m.config(), "BertForTokenClassification",
                new TaskLabels(List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC")), tmp.resolve("tok"));
        var back = (BertForTokenClassification) BertCheckpoint.load(tmp.resolve("tok"));
        Golden.compare("reloaded", back.forward(batch("bert_token_cls", 3, 9)).reshape(3, 9, 5), G.get("bert_token_cls.logits"));
        DecoderForTokenClassification d = DecoderHeadCheckpoint.loadTokenClassification(Golden.path("heads/llama_token_cls"));
        DecoderHeadCheckpoint.save(d, d.decoder(), "LlamaForTokenClassification", TaskLabels.numbered(5), tmp.resolve("dec"));
        DecoderForTokenClassification d2 = DecoderHeadCheckpoint.loadTokenClassification(tmp.resolve("dec"));
        int[] ids = Golden.ints(G.get("llama_token_cls.input_ids"));
        assertThat(d2.forward(ids, 3, 9).toArray()).containsExactly(d.forward(ids, 3, 9).toArray());
    }

    /** Golden.compare's per-element bound on the positions whose attention mask is 1; [B, T, K] tensors. */
    static void compareRealPositions(String what, Tensor actual, Tensor expected, Tensor mask) {
        int b = expected.size(0), t = expected.size(1), k = expected.size(2);
        float[] a = actual.contiguous().toArray(), e = expected.toArray(), m = mask.toArray();
        double maxRef = 0;
        for (float v : e) maxRef = Math.max(maxRef, Math.abs(v));
        int compared = 0;
        for (int i = 0; i < b * t; i++) {
            if (m[i] == 0) continue;
            for (int j = 0; j < k; j++) {
                double d = Math.abs((double) a[i * k + j] - e[i * k + j]);
                double bound = Golden.ELEMENT_ABS * maxRef + Golden.ELEMENT_REL * Math.abs(e[i * k + j]);
                if (!(d <= bound)) throw new AssertionError(what + " position " + i + "." + j + ": " + a[i * k + j] + " vs " + e[i * k + j]);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(b * t * k / 2);
    }
}
