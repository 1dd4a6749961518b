package cortado.nn.models.bert;

import cortado.nn.Module;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/** HF's {@code BertAttention}: {@code self} (the heads) then {@code output} (projection, residual, LayerNorm). */
public final class BertAttention extends Module {
    public BertAttention(BertConfig c) {
        child("self", new BertSelfAttention(c));
        child("output", new BertResidualOutput(c.hiddenSize(), c.hiddenSize(), c.layerNormEps()));
    }

    public Tensor forward(Tensor x, int batch, int seq, AttentionMask mask) {
        BertSelfAttention self = childAt("self");
        BertResidualOutput out = childAt("output");
        return out.forward(self.forward(x, batch, seq, mask), x);
    }
}
