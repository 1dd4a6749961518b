package cortado.nn;

import cortado.autograd.F;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * A pre-norm transformer block (GPT-2, Llama): x + attn(norm1(x)), then + mlp(norm2(...)). The children carry the
 * family's Hugging Face names, registered in Hugging Face's order so parameter lists match {@code named_parameters()},
 * and are looked up by name at every call through {@link Layer} and {@link SelfAttention}, so any of them can be
 * replaced or wrapped; a wrapper that is a {@link ResidualJoin} also decides how its output joins the residual.
 */
public final class Block extends Module implements DecoderLayer {

    /** A family's child names, and whether it registers attention and MLP before the two norms (Llama does). */
    public record Names(String norm1, String attention, String norm2, String mlp, boolean layersFirst) {
        public static final Names GPT2 = new Names("ln_1", "attn", "ln_2", "mlp", false);
        public static final Names LLAMA = new Names("input_layernorm", "self_attn", "post_attention_layernorm", "mlp", true);
    }

    private final Names names;

    public <N extends Module & Layer, A extends Module & SelfAttention, P extends Module & Layer> Block(
            Names names, N norm1, A attention, N norm2, P mlp) {
        this.names = names;
        if (names.layersFirst()) {
            child(names.attention(), attention);
            child(names.mlp(), mlp);
            child(names.norm1(), norm1);
            child(names.norm2(), norm2);
        } else {
            child(names.norm1(), norm1);
            child(names.attention(), attention);
            child(names.norm2(), norm2);
            child(names.mlp(), mlp);
        }
    }

    /** x {@code [B*T, C]} -> {@code [B*T, C]}; {@code layer} indexes this block's slot in the KV cache. */
    public Tensor forward(Tensor x, int batch, int seq, KvCache cache, int layer) {
        return forward(x, batch, seq, null, cache, layer);
    }

    /** As above with rotary position ids {@code positions} (row-major [B, T]; null: continue from the cache). */
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer) {
        return forward(x, batch, seq, positions, cache, layer, null);
    }

    /**
     * As above with the attention's {@code mask} (null: the attention's default), e.g. the block-diagonal mask of
     * packed sequences ({@link PackedSequences}).
     */
    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        if (checkpointsActivations() && cache == null) {
            // The recomputation during backward must draw the dropout masks the forward drew.
            DropoutState dropouts = DropoutState.of(this);
            return F.checkpoint(in -> {
                dropouts.restore();
                return residuals(in, batch, seq, positions, null, layer, mask);
            }, x);
        }
        return residuals(x, batch, seq, positions, cache, layer, mask);
    }

    private Tensor residuals(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer,
                             AttentionMask mask) {
        Layer norm1 = childAt(names.norm1()), norm2 = childAt(names.norm2()), mlp = childAt(names.mlp());
        SelfAttention attention = childAt(names.attention());
        Tensor a = attention.forward(norm1.forward(x), batch, seq, positions, cache, layer, mask);
        Tensor h = attention instanceof ResidualJoin j ? j.join(a, x, null) : F.add(x, a);
        Tensor m = mlp.forward(norm2.forward(h));
        return mlp instanceof ResidualJoin j ? j.join(m, h, null) : F.add(h, m);
    }
}
