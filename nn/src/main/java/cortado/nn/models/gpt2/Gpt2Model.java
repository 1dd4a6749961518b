package cortado.nn.models.gpt2;

import cortado.autograd.F;
import cortado.nn.Block;
import cortado.nn.CausalSelfAttention;
import cortado.nn.DecoderLayer;
import cortado.nn.Dropout;
import cortado.nn.Embedding;
import cortado.nn.Layer;
import cortado.nn.LayerNorm;
import cortado.nn.Mlp;
import cortado.nn.Module;
import cortado.nn.ModuleList;
import cortado.nn.models.InputsEmbeds;
import cortado.nn.models.KvCache;
import cortado.nn.PackedSequences;
import cortado.nn.PositionIds;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's trunk, Hugging Face's {@code transformer}: token embedding wte plus learned position embedding wpe, dropout
 * drop (embd_pdrop), n_layer pre-norm blocks h.N, final LayerNorm ln_f.
 */
public final class Gpt2Model extends Module {
    private final Gpt2Config config;

    public Gpt2Model(Gpt2Config c) {
        this.config = c;
        child("wte", new Embedding(c.vocabSize(), c.nEmbd()));
        child("wpe", new Embedding(c.nPositions(), c.nEmbd()));
        child("drop", new Dropout(c.embdPdrop()));
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++)
            blocks.add(new Block(Block.Names.GPT2,
                    new LayerNorm(c.nEmbd(), c.layerNormEpsilon()),
                    CausalSelfAttention.gpt2(c.nEmbd(), c.nHead(), c.attnPdrop(), c.residPdrop()),
                    new LayerNorm(c.nEmbd(), c.layerNormEpsilon()),
                    new Mlp(c.nEmbd(), c.nInner(), c.residPdrop())));
        child("h", new ModuleList<>(blocks));
        child("ln_f", new LayerNorm(c.nEmbd(), c.layerNormEpsilon()));
    }

    /** Final hidden states {@code [B*T, C]} (after ln_f) of tokens at positions start .. start+T-1. */
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        checkPositions(seq, cache);
        Layer wte = childAt("wte");
        return forwardEmbeds(wte.forward(Embedding.ids(ids)), batch, seq, cache);
    }

    /**
     * As {@link #forward(int[], int, int, KvCache)} from {@code inputsEmbeds} {@code [B*T, C]} or {@code [B, T, C]}
     * instead of token ids, as transformers' {@code GPT2Model.forward(inputs_embeds=...)}: the token lookup is skipped,
     * the learned position embeddings are still added.
     */
    public Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        checkPositions(seq, cache);
        Tensor tok = InputsEmbeds.rows(inputsEmbeds, batch, seq, config.nEmbd());
        int start = cache == null ? 0 : cache.length();
        Layer wpe = childAt("wpe");
        Tensor x;
        if (cache != null && cache.padded()) {
            // Left-padded rows: each row's positions count from its first token ([B*T, C] + [B*T, C]).
            x = F.add(tok, wpe.forward(Embedding.ids(cache.positionIds(seq))));
        } else {
            int[] positions = new int[seq];
            for (int t = 0; t < seq; t++) positions[t] = start + t;
            // [B, T, C] + [T, C]: the position rows broadcast over the batch (and their gradient sums over it).
            x = F.reshape(F.add(F.reshape(tok, batch, seq, config.nEmbd()), wpe.forward(Embedding.ids(positions))),
                    batch * seq, config.nEmbd());
        }
        return blocks(x, batch, seq, cache, null);
    }

    /**
     * Rows packed with several sequences, each counting its {@code positions} from 0 (row-major [B, T]): the
     * learned position embeddings follow the ids (transformers' {@code wpe(position_ids)}) and attention stays inside
     * each sequence ({@link PackedSequences}), so every sequence's hidden states are those it would have alone.
     */
    public Tensor forwardPacked(int[] ids, int batch, int seq, int[] positions) {
        int max = PositionIds.max(positions, batch, seq);
        if (max >= config.nPositions())
            throw new IllegalArgumentException("position " + max + " exceeds n_positions (" + config.nPositions() + ")");
        Layer wte = childAt("wte"), wpe = childAt("wpe");
        Tensor x = F.add(wte.forward(Embedding.ids(ids)), wpe.forward(Embedding.ids(positions)));
        return blocks(x, batch, seq, null, PackedSequences.mask(positions, batch, seq));
    }

    private Tensor blocks(Tensor x, int batch, int seq, KvCache cache, AttentionMask mask) {
        Layer drop = childAt("drop");
        x = drop.forward(x);
        ModuleList<Block> h = childAt("h");
        x = DecoderLayer.stack(h, x, batch, seq, null, cache, mask);
        Layer lnF = childAt("ln_f");
        return lnF.forward(x);
    }

    private void checkPositions(int seq, KvCache cache) {
        int start = cache == null ? 0 : cache.length();
        if (start + seq > config.nPositions())
            throw new IllegalArgumentException("positions " + start + ".." + (start + seq - 1) + " exceed n_positions ("
                    + config.nPositions() + ")");
    }

    public ModuleList<Block> h() { return childAt("h"); }
}
