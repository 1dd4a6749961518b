package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.ProbabilitiesAttention;
import cortado.nn.SelfAttention;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertSelfAttention}: {@code query}, {@code key}, {@code value} projections with biases and bidirectional
 * scaled-dot-product attention over the heads, keys hidden where the attention mask is 0. Returns the merged heads
 * {@code [B*T, C]} (before {@code attention.output.dense}).
 */
public final class BertSelfAttention extends Module implements SelfAttention {
    private final int heads, headDim;

    public BertSelfAttention(BertConfig c) {
        this.heads = c.numAttentionHeads();
        this.headDim = c.headDim();
        child("query", new Linear(c.hiddenSize(), c.hiddenSize(), true));
        child("key", new Linear(c.hiddenSize(), c.hiddenSize(), true));
        child("value", new Linear(c.hiddenSize(), c.hiddenSize(), true));
        child("dropout", new Dropout(c.attentionProbsDropoutProb()));
    }

    public Tensor forward(Tensor x, int batch, int seq, AttentionMask mask) {
        return forward(x, batch, seq, null, null, 0, mask);
    }

    /** {@link SelfAttention}'s form: BERT's positions are learned embeddings and an encoder keeps no KV cache. */
    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        if (cache != null) throw new IllegalArgumentException("BERT is an encoder: its attention takes no KV cache");
        if (mask == null) mask = AttentionMask.BIDIRECTIONAL;
        Layer qp = childAt("query"), kp = childAt("key"), vp = childAt("value");
        Tensor q = heads(qp.forward(x), batch, seq), k = heads(kp.forward(x), batch, seq), v = heads(vp.forward(x), batch, seq);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Module probabilities = childAt("dropout");   // attention_probs_dropout_prob, on the probabilities in training
        boolean identity = !isTraining() || probabilities instanceof Dropout d && d.p() == 0f;
        Tensor y = identity ? F.attention(q, k, v, mask, scale)
                : ProbabilitiesAttention.attend(q, k, v, mask, scale, (Layer) probabilities);
        return F.reshape(F.permute(y, 0, 2, 1, 3), batch * seq, heads * headDim);
    }

    /** Rows {@code [B*T, H*D]} as heads {@code [B, H, T, D]} (a view). */
    private Tensor heads(Tensor rows, int batch, int seq) {
        return F.permute(F.reshape(rows, batch, seq, heads, headDim), 0, 2, 1, 3);
    }
}
