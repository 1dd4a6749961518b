package cortado.nn.models.gpt2;

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
 * GPT-2 with its language-model head, Hugging Face's {@code GPT2LMHeadModel}. The head is tied to the token embedding
 * (logits = h wte^T, Press &amp; Wolf 2017) unless tie_word_embeddings is false; tied, it owns no parameter, so
 * {@code namedParameters()} lists the shared matrix once, as {@code transformer.wte.weight}, like Hugging Face's
 * checkpoints.
 */
public final class Gpt2LmHeadModel extends DecoderLm {
    private final Gpt2Config config;
    /**
     * The token embedding whose table (an fp32 parameter, or a frozen 16-bit/4-bit table) a tied head shares, captured
     * at construction as transformers ties {@code lm_head.weight} to it: wrapping or replacing {@code wte} by name
     * leaves the head on this table.
     */
    private final Embedding tokenEmbedding;

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
        Gpt2Model trunk = child("transformer", new Gpt2Model(config));
        this.tokenEmbedding = (Embedding) trunk.get("wte");
        seedDropout(0);   // distinct sites for every dropout layer; the trainer reseeds with its --seed
        if (!config.tieWordEmbeddings()) child("lm_head", new Linear(config.nEmbd(), config.vocabSize(), false));
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
    protected Tensor hidden(int[] ids, int batch, int seq, KvCache cache) {
        return transformer().forward(ids, batch, seq, cache);
    }

    @Override
    protected Tensor packedHidden(int[] ids, int batch, int seq, int[] positions) {
        return transformer().forwardPacked(ids, batch, seq, positions);
    }

    @Override
    protected Tensor hiddenFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        return transformer().forwardEmbeds(inputsEmbeds, batch, seq, cache);
    }

    @Override protected String inputEmbeddingsPath() { return "transformer.wte"; }

    @Override protected Embedding tokenEmbedding() { return tokenEmbedding; }

    @Override protected int hiddenSize() { return config.nEmbd(); }

    @Override
    public KvCache newCache(int batch, int maxSeq) {
        if (maxSeq > config.nPositions())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds n_positions (" + config.nPositions() + ")");
        return new StaticKvCache(config.nLayer(), batch, config.nHead(), maxSeq, config.headDim());
    }

    @Override
    public PagedKvCache newPagedCache(int slots, int maxSeq, int blocks, int blockSize) {
        if (maxSeq > config.nPositions())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds n_positions (" + config.nPositions() + ")");
        return new PagedKvCache(config.nLayer(), slots, config.nHead(), maxSeq, config.headDim(),
                new KvBlockPool(blocks, blockSize));
    }

    @Override
    public KvCache newDifferentiableCache(int batch, int maxSeq) {
        if (maxSeq > config.nPositions())
            throw new IllegalArgumentException("a cache of " + maxSeq + " positions exceeds n_positions (" + config.nPositions() + ")");
        return new DynamicKvCache(config.nLayer(), batch, maxSeq);
    }

    @Override public Gpt2Config config() { return config; }

    public Gpt2Model transformer() { return childAt("transformer"); }
}
