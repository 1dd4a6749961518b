package cortado.nn.models;

import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/**
 * A decoder with a per-position label head, as transformers' {@code GPT2ForTokenClassification} (head
 * {@code classifier}) and {@code LlamaForTokenClassification} / the Llama family's {@code GenericForTokenClassification}
 * (head {@code score}): the trunk's hidden rows after the final norm, dropout, then a linear layer with bias to
 * {@code num_labels}. The trunk keeps its HF names ({@code transformer.*}, {@code model.*}); the LM head is left out.
 * A causal trunk sees only the tokens before each position, so right padding does not change the real positions.
 */
public final class DecoderForTokenClassification extends Module {
    private final DecoderLm lm;
    private final int numLabels;
    private final String headName;

    /** @param dropout transformers' classifier_dropout (0.1 when the config has none) */
    public DecoderForTokenClassification(DecoderLm lm, int numLabels, float dropout) {
        if (numLabels < 1) throw new IllegalArgumentException("num_labels must be >= 1, got " + numLabels);
        this.lm = lm;
        this.numLabels = numLabels;
        this.headName = headName(lm);
        for (var e : lm.children().entrySet()) if (!e.getKey().equals("lm_head")) child(e.getKey(), e.getValue());
        child("dropout", new Dropout(dropout));
        child(headName, new Linear(lm.hiddenSize(), numLabels, true));
        seedDropout(0);
    }

    /** GPT-2 names its head {@code classifier}, the generic (Llama-family) class {@code score}. */
    static String headName(DecoderLm lm) { return lm.children().containsKey("transformer") ? "classifier" : "score"; }

    public int numLabels() { return numLabels; }

    public DecoderLm decoder() { return lm; }

    /** Logits {@code [B*T, num_labels]}, one row per position. */
    public Tensor forward(int[] ids, int batch, int seq) {
        lm.checkIds(ids, batch, seq);
        Layer dropout = childAt("dropout"), head = childAt(headName);
        return head.forward(dropout.forward(lm.hidden(ids, batch, seq, null)));
    }
}
