package cortado.nn.models.gpt2;

import cortado.autograd.F;
import cortado.nn.Block;
import cortado.nn.CausalSelfAttention;
import cortado.nn.Embedding;
import cortado.nn.LayerNorm;
import cortado.nn.Mlp;
import cortado.nn.Module;
import cortado.nn.ModuleList;
import cortado.nn.models.KvCache;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's trunk, Hugging Face's {@code transformer}: token embedding wte plus learned position embedding wpe, n_layer
 * pre-norm blocks h.N, final LayerNorm ln_f.
 */
public final class Gpt2Model extends Module {
    private final Gpt2Config config;
    private final Embedding wte, wpe;
    private final ModuleList<Block> h;
    private final LayerNorm lnF;

    public Gpt2Model(Gpt2Config c) {
        this.config = c;
        this.wte = child("wte", new Embedding(c.vocabSize(), c.nEmbd()));
        this.wpe = child("wpe", new Embedding(c.nPositions(), c.nEmbd()));
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++)
            blocks.add(new Block(Block.Names.GPT2,
                    new LayerNorm(c.nEmbd(), c.layerNormEpsilon()),
                    CausalSelfAttention.gpt2(c.nEmbd(), c.nHead()),
                    new LayerNorm(c.nEmbd(), c.layerNormEpsilon()),
                    new Mlp(c.nEmbd(), c.nInner())));
        this.h = child("h", new ModuleList<>(blocks));
        this.lnF = child("ln_f", new LayerNorm(c.nEmbd(), c.layerNormEpsilon()));
    }

    /** Final hidden states {@code [B*T, C]} (after ln_f) of tokens at positions start .. start+T-1. */
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        int start = cache == null ? 0 : cache.length();
        if (start + seq > config.nPositions())
            throw new IllegalArgumentException("positions " + start + ".." + (start + seq - 1) + " exceed n_positions ("
                    + config.nPositions() + ")");
        Tensor x;
        if (cache != null && cache.padded()) {
            // Left-padded rows: each row's positions count from its first token ([B*T, C] + [B*T, C]).
            x = F.add(wte.forward(ids), wpe.forward(cache.positionIds(seq)));
        } else {
            int[] positions = new int[seq];
            for (int t = 0; t < seq; t++) positions[t] = start + t;
            // [B, T, C] + [T, C]: the position rows broadcast over the batch (and their gradient sums over it).
            Tensor tok = F.reshape(wte.forward(ids), batch, seq, config.nEmbd());
            x = F.reshape(F.add(tok, wpe.forward(positions)), batch * seq, config.nEmbd());
        }
        for (int i = 0; i < h.size(); i++) x = h.get(i).forward(x, batch, seq, cache, i);
        return lnF.forward(x);
    }

    public Embedding wte() { return wte; }

    public Embedding wpe() { return wpe; }

    public ModuleList<Block> h() { return h; }
}
