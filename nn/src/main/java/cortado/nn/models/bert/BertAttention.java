package cortado.nn.models.bert;

import cortado.nn.Module;
import cortado.nn.SelfAttention;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/** HF's {@code BertAttention}: {@code self} (the heads) then {@code output} (projection, residual, LayerNorm). */
public final class BertAttention extends Module implements SelfAttention {
    public BertAttention(BertConfig c) {
        child("self", new BertSelfAttention(c));
        child("output", new BertResidualOutput(c.hiddenSize(), c.hiddenSize(), c.layerNormEps(),
                c.hiddenDropoutProb()));
    }

    public Tensor forward(Tensor x, int batch, int seq, AttentionMask mask) {
        return forward(x, batch, seq, null, null, 0, mask);
    }

    /** {@link SelfAttention}'s form: no positions and no cache in an encoder (the heads refuse one). */
    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        SelfAttention self = childAt("self");
        BertResidualOutput out = childAt("output");
        return out.forward(self.forward(x, batch, seq, positions, cache, layer, mask), x);
    }
}
