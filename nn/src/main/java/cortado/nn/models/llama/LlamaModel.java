package cortado.nn.models.llama;

import cortado.nn.Block;
import cortado.nn.CausalSelfAttention;
import cortado.nn.DecoderLayer;
import cortado.nn.Embedding;
import cortado.nn.GatedMlp;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.ModuleList;
import cortado.nn.PositionIds;
import cortado.nn.RMSNorm;
import cortado.nn.RotaryEmbedding;
import cortado.nn.models.InputsEmbeds;
import cortado.nn.models.KvCache;
import cortado.nn.PackedSequences;
import cortado.tensor.AttentionMask;
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
    private final RotaryEmbedding rotary; // not a module: it holds no parameters, and transformers' state dict has none

    public LlamaModel(LlamaConfig c) {
        this.config = c;
        child("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize()));
        // One rotary embedding for the whole stack, as LlamaModel.rotary_emb in transformers.
        this.rotary = new RotaryEmbedding(c.rope(), c.headDim());
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            var options = new CausalSelfAttention.Options(c.qkvBias(), c.outputBias(), c.qkNorm() ? c.rmsNormEps() : 0f,
                    c.slidingWindowOf(i));
            blocks.add(new Block(Block.Names.LLAMA,
                    new RMSNorm(c.hiddenSize(), c.rmsNormEps()),
                    CausalSelfAttention.llama(c.hiddenSize(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                            rotary, options, c.attentionDropout()),
                    new RMSNorm(c.hiddenSize(), c.rmsNormEps()),
                    new GatedMlp(c.hiddenSize(), c.intermediateSize(), c.mlpBias())));
        }
        child("layers", new ModuleList<>(blocks));
        child("norm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    /** Final hidden states {@code [B*T, C]} (after norm) of tokens at positions start .. start+T-1. */
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        int start = cache == null ? 0 : cache.length();
        if ((long) start + seq > config.positionLimit())
            throw new IllegalArgumentException("positions " + start + ".." + (start + seq - 1) + " exceed "
                    + limitName());
        return forward(ids, batch, seq, defaultPositions(batch, seq, cache), cache);
    }

    /** Positions continuing from the cache; a left-padded batch (the cache knows each row's padding) counts each row from its first real token. */
    private static int[] defaultPositions(int batch, int seq, KvCache cache) {
        int start = cache == null ? 0 : cache.length();
        return cache != null && cache.padded() ? cache.positionIds(seq) : PositionIds.range(batch, seq, start);
    }

    /**
     * Final hidden states {@code [B*T, C]} of tokens whose rotary positions are {@code positions} (row-major [B, T],
     * Hugging Face's {@code position_ids}: a left-padded row starts its real tokens at 0).
     */
    public Tensor forward(int[] ids, int batch, int seq, int[] positions, KvCache cache) {
        checkPositions(positions, batch, seq);
        Layer embedTokens = childAt("embed_tokens");
        return forwardEmbeds(embedTokens.forward(Embedding.ids(ids)), batch, seq, positions, cache);
    }

    /**
     * As {@link #forward(int[], int, int, KvCache)} from {@code inputsEmbeds} {@code [B*T, C]} or {@code [B, T, C]}
     * instead of token ids, as transformers' {@code LlamaModel.forward(inputs_embeds=...)}: the lookup is skipped, and
     * positions enter through RoPE as for ids.
     */
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        return forwardEmbeds(inputsEmbeds, batch, seq, defaultPositions(batch, seq, cache), cache);
    }

    /** As above with explicit rotary {@code positions} (row-major [B, T]). */
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, int[] positions, KvCache cache) {
        return forwardEmbeds(inputsEmbeds, batch, seq, positions, cache, null);
    }

    /**
     * Rows packed with several sequences, each counting its {@code positions} from 0 (row-major [B, T]): rotary
     * positions restart with each sequence and attention stays inside it ({@link PackedSequences}), so every
     * sequence's hidden states are those it would have alone.
     */
    public Tensor forwardPacked(int[] ids, int batch, int seq, int[] positions) {
        checkPositions(positions, batch, seq);
        Layer embedTokens = childAt("embed_tokens");
        return forwardEmbeds(embedTokens.forward(Embedding.ids(ids)), batch, seq, positions, null,
                PackedSequences.mask(positions, batch, seq));
    }

    private Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, int[] positions, KvCache cache,
                                 AttentionMask mask) {
        checkPositions(positions, batch, seq);
        Tensor x = InputsEmbeds.rows(inputsEmbeds, batch, seq, config.hiddenSize());
        ModuleList<Block> layers = childAt("layers");
        x = DecoderLayer.stack(layers, x, batch, seq, positions, cache, mask);
        Layer norm = childAt("norm");
        return norm.forward(x);
    }

    private void checkPositions(int[] positions, int batch, int seq) {
        int max = PositionIds.max(positions, batch, seq);
        if (max >= config.positionLimit())
            throw new IllegalArgumentException("position " + max + " exceeds " + limitName());
    }

    private String limitName() {
        return config.positionLimit() == config.maxPositionEmbeddings()
                ? "max_position_embeddings (" + config.maxPositionEmbeddings() + ")"
                : "the dynamic rope limit factor x max_position_embeddings (" + config.positionLimit() + ")";
    }

    /** The rotary embedding every attention layer shares. */
    public RotaryEmbedding rotary() { return rotary; }

    public ModuleList<Block> layers() { return childAt("layers"); }
}
