package cortado.nn.models.llama;

import cortado.nn.Embedding;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.nn.Parameter;
import cortado.nn.models.DecoderLm;
import cortado.nn.models.DynamicKvCache;
import cortado.nn.models.KvCache;
import cortado.nn.models.KvBlockPool;
import cortado.nn.models.PagedKvCache;
import cortado.nn.models.StaticKvCache;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * Llama with its language-model head, Hugging Face's {@code LlamaForCausalLM} (and {@code MistralForCausalLM},
 * {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM}, which differ only as {@link LlamaConfig} says): RoPE, RMSNorm,
 * SwiGLU and grouped-query attention. The head lm_head is its own matrix unless tie_word_embeddings is true, in which case it shares
 * model.embed_tokens.weight and is listed once, under that name.
 */
public final class LlamaForCausalLm extends DecoderLm {
    private final LlamaConfig config;
    /**
     * The token embedding whose table (an fp32 parameter, or a frozen 16-bit/4-bit table) a tied head shares, captured
     * at construction as transformers ties {@code lm_head.weight} to it: wrapping or replacing {@code embed_tokens} by name
     * leaves the head on this table.
     */
    private final Embedding tokenEmbedding;

    /** A model with every weight drawn from Hugging Face's Llama initialisation, reproducibly from {@code seed}. */
    public LlamaForCausalLm(LlamaConfig config, long seed) {
        this(config);
        initialize(seed);
    }

    /** A model whose parameters are allocated but not drawn (zeros; norms at one): for loaders that overwrite them. */
    public LlamaForCausalLm(LlamaConfig config) {
        this.config = config;
        LlamaModel trunk = child("model", new LlamaModel(config));
        this.tokenEmbedding = (Embedding) trunk.get("embed_tokens");
        seedDropout(0);   // distinct sites for every dropout layer; the trainer reseeds with its --seed
        if (!config.tieWordEmbeddings()) child("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /**
     * Hugging Face's LlamaPreTrainedModel init: projections and embeddings N(0, initializer_range^2), biases 0, norms 1
     * (q_norm/k_norm included).
     */
    public void initialize(long seed) {
        float std = config.initializerRange();
        long stream = 0;
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue().value();
            stream++;
            if (name.endsWith("norm.weight")) Init.constant(t, 1f);
            else if (name.endsWith(".bias")) Init.constant(t, 0f);
            else Init.normal(t, std, seed, stream);
        }
    }

    @Override
    protected Tensor hidden(int[] ids, int batch, int seq, KvCache cache) {
        return model().forward(ids, batch, seq, cache);
    }

    @Override
    protected Tensor packedHidden(int[] ids, int batch, int seq, int[] positions) {
        return model().forwardPacked(ids, batch, seq, positions);
    }

    @Override
    protected Tensor hiddenFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        return model().forwardEmbeds(inputsEmbeds, batch, seq, cache);
    }

    @Override protected String inputEmbeddingsPath() { return "model.embed_tokens"; }

    @Override protected Embedding tokenEmbedding() { return tokenEmbedding; }

    @Override protected int hiddenSize() { return config.hiddenSize(); }

    @Override
    public KvCache newCache(int batch, int maxSeq) {
        if (maxSeq > config.positionLimit())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds the model's "
                    + config.positionLimit() + " positions");
        return new StaticKvCache(config.numHiddenLayers(), batch, config.numKeyValueHeads(), maxSeq, config.headDim());
    }

    @Override
    public PagedKvCache newPagedCache(int slots, int maxSeq, int blocks, int blockSize) {
        if (maxSeq > config.positionLimit())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds the model's "
                    + config.positionLimit() + " positions");
        return new PagedKvCache(config.numHiddenLayers(), slots, config.numKeyValueHeads(), maxSeq, config.headDim(),
                new KvBlockPool(blocks, blockSize));
    }

    @Override
    public KvCache newDifferentiableCache(int batch, int maxSeq) {
        if (maxSeq > config.positionLimit())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds the model's "
                    + config.positionLimit() + " positions");
        return new DynamicKvCache(config.numHiddenLayers(), batch, maxSeq);
    }

    @Override public LlamaConfig config() { return config; }

    public LlamaModel model() { return childAt("model"); }
}
