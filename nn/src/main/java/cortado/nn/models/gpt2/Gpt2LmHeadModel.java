package cortado.nn.models.gpt2;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.nn.models.StaticKvCache;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * GPT-2 with its language-model head, Hugging Face's {@code GPT2LMHeadModel}. The head is tied to the token embedding
 * (logits = h wte^T, Press &amp; Wolf 2017) unless tie_word_embeddings is false; tied, it owns no parameter, so
 * {@code namedParameters()} lists the shared matrix once, as {@code transformer.wte.weight}, like Hugging Face's
 * checkpoints.
 */
public final class Gpt2LmHeadModel extends Module implements CausalLm {
    private final Gpt2Config config;
    private final Gpt2Model transformer;
    private final Linear lmHead; // null when tied

    /** A model with every weight drawn from GPT-2's initialisation, reproducibly from {@code seed}. */
    public Gpt2LmHeadModel(Gpt2Config config, long seed) {
        this(config);
        initialize(seed);
    }

    /**
     * A model whose parameters are allocated but not drawn (zeros; norms at one): for loaders that overwrite every
     * weight.
     */
    public Gpt2LmHeadModel(Gpt2Config config) {
        this.config = config;
        this.transformer = child("transformer", new Gpt2Model(config));
        this.lmHead = config.tieWordEmbeddings() ? null : child("lm_head", new Linear(config.nEmbd(), config.vocabSize(), false));
    }

    /**
     * Hugging Face's GPT-2 initialisation: weights and embeddings N(0, 0.02^2), biases 0, LayerNorm 1 and 0, and the
     * projections into the residual stream (c_proj) N(0, (0.02 / sqrt(2 n_layer))^2) so the stream's variance does not
     * grow with depth (GPT-2 paper, section 2.3).
     */
    public void initialize(long seed) {
        float std = config.initializerRange();
        float residualStd = (float) (std / Math.sqrt(2.0 * config.nLayer()));
        long stream = 0;
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue().value();
            stream++;
            if (name.endsWith(".bias")) Init.constant(t, 0f);
            else if (name.contains(".ln_")) Init.constant(t, 1f); // ln_1, ln_2, ln_f weights
            else if (name.endsWith("c_proj.weight")) Init.normal(t, residualStd, seed, stream);
            else Init.normal(t, std, seed, stream);
        }
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq) {
        checkIds(ids, batch, seq);
        return F.reshape(head(transformer.forward(ids, batch, seq, null)), batch, seq, config.vocabSize());
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor logits = head(transformer.forward(ids, batch, seq, cache));
            cache.advance(seq);
            return logits.reshape(batch, seq, config.vocabSize());
        }
    }

    @Override
    public Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor h = transformer.forward(ids, batch, seq, cache);
            cache.advance(seq);
            Tensor last = h.reshape(batch, seq, config.nEmbd()).slice(1, seq - 1, seq).reshape(batch, config.nEmbd());
            return head(last);
        }
    }

    /** Hidden rows {@code [N, C]} -> logits {@code [N, V]}. */
    private Tensor head(Tensor h) {
        return lmHead != null ? lmHead.forward(h) : F.linear(h, transformer.wte().weight().value(), null);
    }

    @Override
    public KvCache newCache(int batch, int maxSeq) {
        if (maxSeq > config.nPositions())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds n_positions (" + config.nPositions() + ")");
        return new StaticKvCache(config.nLayer(), batch, config.nHead(), maxSeq, config.headDim());
    }

    private void checkIds(int[] ids, int batch, int seq) {
        if (batch <= 0 || seq <= 0)
            throw new IllegalArgumentException("batch and sequence length must be positive, got " + batch + " x " + seq);
        if (ids.length != batch * seq)
            throw new IllegalArgumentException("got " + ids.length + " token ids, expected B*T = " + batch + "*" + seq);
    }

    private static void checkCache(KvCache cache, int batch) {
        if (cache.batch() != batch)
            throw new IllegalArgumentException("KV cache made for batch " + cache.batch() + ", forward has batch " + batch);
    }

    @Override public Gpt2Config config() { return config; }

    @Override public Module module() { return this; }

    public Gpt2Model transformer() { return transformer; }
}
