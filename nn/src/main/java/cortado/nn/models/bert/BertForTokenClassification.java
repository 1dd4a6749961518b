package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertForTokenClassification}: {@code bert} without its pooler, dropout, then {@code classifier} on every
 * position's hidden state (named-entity tagging and the like).
 */
public final class BertForTokenClassification extends Module {
    private final BertConfig config;

    public BertForTokenClassification(BertConfig c) {
        this.config = c;
        child("bert", new BertModel(c, false));
        child("dropout", new Dropout(c.classifierDropout()));
        child("classifier", new Linear(c.hiddenSize(), c.numLabels(), true));
        seedDropout(0);
    }

    /** Logits {@code [B*T, num_labels]}, one row per position (padding included). */
    public Tensor forward(EncoderBatch in) {
        BertModel bert = childAt("bert");
        Layer dropout = childAt("dropout"), classifier = childAt("classifier");
        Tensor h = F.reshape(bert.forward(in).lastHiddenState(), in.batch() * in.seq(), config.hiddenSize());
        return classifier.forward(dropout.forward(h));
    }

    public BertModel bert() { return childAt("bert"); }

    public BertConfig config() { return config; }
}
