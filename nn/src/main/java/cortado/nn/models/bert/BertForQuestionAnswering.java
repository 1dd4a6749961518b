package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.models.SpanLogits;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertForQuestionAnswering} (extractive QA, Devlin et al. 2019 §4.2): {@code bert} without its pooler,
 * then {@code qa_outputs}, a linear layer to 2 numbers per position, split into start and end logits.
 */
public final class BertForQuestionAnswering extends Module {
    private final BertConfig config;

    public BertForQuestionAnswering(BertConfig c) {
        this.config = c;
        child("bert", new BertModel(c, false));
        child("qa_outputs", new Linear(c.hiddenSize(), 2, true));
        seedDropout(0);
    }

    /** Start and end logits, {@code [B, T]} each. */
    public SpanLogits forward(EncoderBatch in) {
        BertModel bert = childAt("bert");
        Layer qa = childAt("qa_outputs");
        Tensor h = F.reshape(bert.forward(in).lastHiddenState(), in.batch() * in.seq(), config.hiddenSize());
        return SpanLogits.split(qa.forward(h), in.batch(), in.seq());
    }

    public BertModel bert() { return childAt("bert"); }

    public BertConfig config() { return config; }
}
