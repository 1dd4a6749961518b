package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertForMultipleChoice} (SWAG, Devlin et al. 2019 §4.4): each of an example's C choices is encoded as its
 * own row (question and choice as a pair), {@code bert}'s pooled vector goes through dropout and {@code classifier}
 * (hidden -> 1), and the C scores of an example are its logits.
 */
public final class BertForMultipleChoice extends Module {
    private final BertConfig config;

    public BertForMultipleChoice(BertConfig c) {
        this.config = c;
        child("bert", new BertModel(c, true));
        child("dropout", new Dropout(c.classifierDropout()));
        child("classifier", new Linear(c.hiddenSize(), 1, true));
        seedDropout(0);
    }

    /**
     * Logits {@code [B, C]}: {@code in} holds B·C rows, example b's choices in rows b·C .. b·C + C - 1 (transformers'
     * {@code input_ids.view(-1, T)} of a {@code [B, C, T]} batch).
     */
    public Tensor forward(EncoderBatch in, int choices) {
        if (choices < 1 || in.batch() % choices != 0)
            throw new IllegalArgumentException(in.batch() + " rows do not hold examples of " + choices + " choices");
        BertModel bert = childAt("bert");
        Layer dropout = childAt("dropout"), classifier = childAt("classifier");
        Tensor scores = classifier.forward(dropout.forward(bert.forward(in).poolerOutput()));   // [B*C, 1]
        return F.reshape(scores, in.batch() / choices, choices);
    }

    public BertModel bert() { return childAt("bert"); }

    public BertConfig config() { return config; }
}
