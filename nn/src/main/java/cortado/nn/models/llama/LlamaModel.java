package cortado.nn.models.llama;

import cortado.nn.Block;
import cortado.nn.CausalSelfAttention;
import cortado.nn.Embedding;
import cortado.nn.GatedMlp;
import cortado.nn.Module;
import cortado.nn.ModuleList;
import cortado.nn.PositionIds;
import cortado.nn.RMSNorm;
import cortado.nn.RotaryEmbedding;
import cortado.nn.models.KvCache;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama's trunk, Hugging Face's {@code model} (also Mistral's, Qwen2's and Qwen3's: see {@link LlamaConfig}): token
 * embedding embed_tokens (no position embedding: positions enter through RoPE inside attention), num_hidden_layers
 * pre-norm decoder layers layers.N sharing one rotary embedding, final RMSNorm norm.
 */
public final class LlamaModel extends Module {
    private final LlamaConfig config;
    private final Embedding embedTokens;
    private final ModuleList<Block> layers;
    private final RMSNorm norm;
    private final RotaryEmbedding rotary;

    public LlamaModel(LlamaConfig c) {
        this.config = c;
        this.embedTokens = child("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize()));
        // One rotary embedding for the whole stack, as LlamaModel.rotary_emb in transformers.
        this.rotary = new RotaryEmbedding(c.rope(), c.headDim());
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            var options = new CausalSelfAttention.Options(c.qkvBias(), c.outputBias(), c.qkNorm() ? c.rmsNormEps() : 0f,
                    c.slidingWindowOf(i));
            blocks.add(new Block(Block.Names.LLAMA,
                    new RMSNorm(c.hiddenSize(), c.rmsNormEps()),
                    CausalSelfAttention.llama(c.hiddenSize(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                            rotary, options),
                    new RMSNorm(c.hiddenSize(), c.rmsNormEps()),
                    new GatedMlp(c.hiddenSize(), c.intermediateSize(), c.mlpBias())));
        }
        this.layers = child("layers", new ModuleList<>(blocks));
        this.norm = child("norm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    /** Final hidden states {@code [B*T, C]} (after norm) of tokens at positions start .. start+T-1. */
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        int start = cache == null ? 0 : cache.length();
        if ((long) start + seq > config.positionLimit())
            throw new IllegalArgumentException("positions " + start + ".." + (start + seq - 1) + " exceed "
                    + limitName());
        // A left-padded batch (the cache knows each row's padding) counts each row from its first real token.
        int[] positions = cache != null && cache.padded() ? cache.positionIds(seq) : PositionIds.range(batch, seq, start);
        return forward(ids, batch, seq, positions, cache);
    }

    /**
     * Final hidden states {@code [B*T, C]} of tokens whose rotary positions are {@code positions} (row-major [B, T],
     * Hugging Face's {@code position_ids}: a left-padded row starts its real tokens at 0).
     */
    public Tensor forward(int[] ids, int batch, int seq, int[] positions, KvCache cache) {
        int max = PositionIds.max(positions, batch, seq);
        if (max >= config.positionLimit())
            throw new IllegalArgumentException("position " + max + " exceeds " + limitName());
        Tensor x = embedTokens.forward(ids);
        for (int i = 0; i < layers.size(); i++) x = layers.get(i).forward(x, batch, seq, positions, cache, i);
        return norm.forward(x);
    }

    private String limitName() {
        return config.positionLimit() == config.maxPositionEmbeddings()
                ? "max_position_embeddings (" + config.maxPositionEmbeddings() + ")"
                : "the dynamic rope limit factor x max_position_embeddings (" + config.positionLimit() + ")";
    }

    public Embedding embedTokens() { return embedTokens; }

    /** The rotary embedding every attention layer shares. */
    public RotaryEmbedding rotary() { return rotary; }

    public ModuleList<Block> layers() { return layers; }
}
