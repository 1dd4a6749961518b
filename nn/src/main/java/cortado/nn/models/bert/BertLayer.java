package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.SelfAttention;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertLayer}, post-norm (Vaswani et al. 2017 as BERT keeps it): h = LN(x + Attn(x)), then
 * LN(h + W2 act(W1 h)), with {@code intermediate.dense} as W1 and {@code output.dense} as W2.
 */
public final class BertLayer extends Module {
    public BertLayer(BertConfig c) {
        child("attention", new BertAttention(c));
        child("intermediate", new Intermediate(c));
        child("output", new BertResidualOutput(c.intermediateSize(), c.hiddenSize(), c.layerNormEps(),
                c.hiddenDropoutProb()));
    }

    public Tensor forward(Tensor x, int batch, int seq, AttentionMask mask) {
        SelfAttention attention = childAt("attention");
        Tensor h = attention.forward(x, batch, seq, null, null, 0, mask);
        Layer intermediate = childAt("intermediate");
        BertResidualOutput out = childAt("output");
        return out.forward(intermediate.forward(h), h);
    }

    /** HF's {@code BertIntermediate}: act(dense(h)), the first half of the feed-forward. */
    static final class Intermediate extends Module implements Layer {
        private final boolean exactGelu;

        Intermediate(BertConfig c) {
            exactGelu = c.hiddenAct().equals("gelu");
            child("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true));
        }

        @Override
        public Tensor forward(Tensor h) {
            Layer dense = childAt("dense");
            Tensor u = dense.forward(h);
            return exactGelu ? F.geluErf(u) : F.gelu(u);
        }
    }
}
