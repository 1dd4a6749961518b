package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertLayer}, post-norm (Vaswani et al. 2017 as BERT keeps it): h = LN(x + Attn(x)), then
 * LN(h + W2 act(W1 h)), with {@code intermediate.dense} as W1 and {@code output.dense} as W2.
 */
public final class BertLayer extends Module {
    private final boolean exactGelu;

    public BertLayer(BertConfig c) {
        this.exactGelu = c.hiddenAct().equals("gelu");
        child("attention", new BertAttention(c));
        child("intermediate", new Intermediate(c));
        child("output", new BertResidualOutput(c.intermediateSize(), c.hiddenSize(), c.layerNormEps()));
    }

    public Tensor forward(Tensor x, int batch, int seq, AttentionMask mask) {
        BertAttention attention = childAt("attention");
        Tensor h = attention.forward(x, batch, seq, mask);
        Layer w1 = ((Intermediate) childAt("intermediate")).dense();
        Tensor u = w1.forward(h);
        u = exactGelu ? F.geluErf(u) : F.gelu(u);
        BertResidualOutput out = childAt("output");
        return out.forward(u, h);
    }

    /** HF's {@code BertIntermediate}: holds {@code dense} (the activation is applied by the layer). */
    static final class Intermediate extends Module {
        Intermediate(BertConfig c) { child("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true)); }

        Layer dense() { return childAt("dense"); }
    }
}
