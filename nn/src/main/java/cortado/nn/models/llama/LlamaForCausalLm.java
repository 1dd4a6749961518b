package cortado.nn.models.llama;

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
 * Llama with its language-model head, Hugging Face's {@code LlamaForCausalLM}: RoPE, RMSNorm, SwiGLU and grouped-query
 * attention. The head lm_head is its own matrix unless tie_word_embeddings is true, in which case it shares
 * model.embed_tokens.weight and is listed once, under that name.
 */
public final class LlamaForCausalLm extends Module implements CausalLm {
    private final LlamaConfig config;
    private final LlamaModel model;
    private final Linear lmHead; // null when tied

    /** A model with every weight drawn from Hugging Face's Llama initialisation, reproducibly from {@code seed}. */
    public LlamaForCausalLm(LlamaConfig config, long seed) {
        this(config);
        initialize(seed);
    }

    /** A model whose parameters are allocated but not drawn (zeros; norms at one): for loaders that overwrite them. */
    public LlamaForCausalLm(LlamaConfig config) {
        this.config = config;
        this.model = child("model", new LlamaModel(config));
        this.lmHead = config.tieWordEmbeddings() ? null
                : child("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /** Hugging Face's LlamaPreTrainedModel init: projections and embeddings N(0, initializer_range^2), norms 1. */
    public void initialize(long seed) {
        float std = config.initializerRange();
        long stream = 0;
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue().value();
            stream++;
            if (name.endsWith("norm.weight")) Init.constant(t, 1f);
            else Init.normal(t, std, seed, stream);
        }
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq) {
        checkIds(ids, batch, seq);
        return F.reshape(head(model.forward(ids, batch, seq, null)), batch, seq, config.vocabSize());
    }

    @Override
    public Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor logits = head(model.forward(ids, batch, seq, cache));
            cache.advance(seq);
            return logits.reshape(batch, seq, config.vocabSize());
        }
    }

    @Override
    public Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor h = model.forward(ids, batch, seq, cache);
            cache.advance(seq);
            Tensor last = h.reshape(batch, seq, config.hiddenSize()).slice(1, seq - 1, seq).reshape(batch, config.hiddenSize());
            return head(last);
        }
    }

    private Tensor head(Tensor h) {
        return lmHead != null ? lmHead.forward(h) : F.linear(h, model.embedTokens().weight().value(), null);
    }

    @Override
    public KvCache newCache(int batch, int maxSeq) {
        if (maxSeq > config.maxPositionEmbeddings())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds max_position_embeddings ("
                    + config.maxPositionEmbeddings() + ")");
        return new StaticKvCache(config.numHiddenLayers(), batch, config.numKeyValueHeads(), maxSeq, config.headDim());
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

    @Override public LlamaConfig config() { return config; }

    @Override public Module module() { return this; }

    public LlamaModel model() { return model; }
}
