package cortado.nn.models.bert;

import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/** HF's {@code BertForSequenceClassification}: {@code bert} with its pooler, then {@code classifier} on the pooled vector. */
public final class BertForSequenceClassification extends Module {
    private final BertConfig config;

    public BertForSequenceClassification(BertConfig c) {
        this.config = c;
        child("bert", new BertModel(c, true));
        child("dropout", new Dropout(c.classifierDropout()));
        child("classifier", new Linear(c.hiddenSize(), c.numLabels(), true));
        seedDropout(0);
    }

    /** Logits {@code [B, num_labels]}. */
    public Tensor forward(EncoderBatch in) { return forward(in, null); }

    /** As {@link #forward(EncoderBatch)} from inputs_embeds ({@link BertModel#forward(EncoderBatch, Tensor)}). */
    public Tensor forward(EncoderBatch in, Tensor inputsEmbeds) {
        BertModel bert = childAt("bert");
        Layer dropout = childAt("dropout"), classifier = childAt("classifier");
        return classifier.forward(dropout.forward(bert.forward(in, inputsEmbeds).poolerOutput()));
    }

    public BertModel bert() { return childAt("bert"); }

    public BertConfig config() { return config; }
}
