package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.ModuleList;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * HF's {@code BertModel}: {@code embeddings}, {@code encoder.layer.N} and, when built with one, {@code pooler}.
 * Attention is bidirectional; keys where {@code attention_mask} is 0 are hidden from every query (transformers'
 * padding mask), while padded queries still get an output, as in transformers.
 */
public final class BertModel extends Module {
    private final BertConfig config;
    private final boolean pooler;

    /** The outputs of one forward: {@code lastHiddenState [B, T, C]}; {@code poolerOutput [B, C]}, null without a pooler. */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput) {}

    public BertModel(BertConfig c, boolean withPooler) {
        this.config = c;
        this.pooler = withPooler;
        child("embeddings", new BertEmbeddings(c));
        child("encoder", new Encoder(c));
        if (withPooler) child("pooler", new BertPooler(c));
        seedDropout(0);   // a head that holds this model seeds again, with its own paths
    }

    public Output forward(EncoderBatch in) { return forward(in, null); }

    /**
     * With {@code inputsEmbeds} ({@code [B*T, C]} or {@code [B, T, C]}) in place of the word lookup, transformers'
     * {@code BertModel.forward(inputs_embeds=...)}; the batch gives B, T, token types and the attention mask, and may
     * hold no ids ({@link EncoderBatch#ofEmbeds}). Null: the batch's ids.
     */
    public Output forward(EncoderBatch in, Tensor inputsEmbeds) {
        int b = in.batch(), t = in.seq();
        AttentionMask mask = in.attentionMask() == null ? AttentionMask.BIDIRECTIONAL
                : AttentionMask.BIDIRECTIONAL.withAttentionMask(in.maskRows());
        BertEmbeddings emb = childAt("embeddings");
        Tensor x = emb.forward(in, inputsEmbeds);
        Encoder encoder = childAt("encoder");
        ModuleList<BertLayer> layers = encoder.layers();
        for (int i = 0; i < layers.size(); i++) x = layers.get(i).forward(x, b, t, mask);
        Tensor hidden = F.reshape(x, b, t, config.hiddenSize());
        Tensor pooled = null;
        if (pooler) {
            Layer p = childAt("pooler");
            pooled = p.forward(hidden);
        }
        return new Output(hidden, pooled);
    }

    public BertConfig config() { return config; }

    public boolean hasPooler() { return pooler; }

    public BertEmbeddings embeddings() { return childAt("embeddings"); }

    /** HF's {@code BertEncoder}: the layers under {@code layer}. */
    static final class Encoder extends Module {
        Encoder(BertConfig c) {
            List<BertLayer> layers = new ArrayList<>();
            for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new BertLayer(c));
            child("layer", new ModuleList<>(layers));
        }

        ModuleList<BertLayer> layers() { return childAt("layer"); }
    }
}
