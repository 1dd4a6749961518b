package cortado.nn.models;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Embedding;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/**
 * What GPT-2 and Llama share around their transformer stacks: checking the ids, decoding with a KV cache, projecting
 * only the last position for the next token, and the head itself — an {@code lm_head} child when the model has one,
 * otherwise the tied token embedding (logits = h E^T, Press &amp; Wolf 2017). The head is looked up by name at run
 * time, so a PEFT wrapper that replaces {@code lm_head} is the one called.
 */
public abstract class DecoderLm extends Module implements CausalLm {

    /** Hidden rows {@code [B*T, C]} after the final norm; with a cache, positions continue from its length. */
    protected abstract Tensor hidden(int[] ids, int batch, int seq, KvCache cache);

    /** Hidden rows {@code [B*T, C]} of rows packed with sequences whose {@code positions} restart at 0 (no cache). */
    protected abstract Tensor packedHidden(int[] ids, int batch, int seq, int[] positions);

    /** As {@link #hidden} from {@code inputs_embeds} ({@code [B*T, C]} or {@code [B, T, C]}) instead of ids. */
    protected abstract Tensor hiddenFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache);

    /** The dotted path of the token embedding layer ({@code transformer.wte}, {@code model.embed_tokens}). */
    protected abstract String inputEmbeddingsPath();

    /**
     * The token embedding {@code [V, C]}, whose table (fp32 or frozen) is the head's weight when the embeddings are
     * tied: the module the model was built with, so wrapping the embedding layer by name leaves the head on it.
     */
    protected abstract Embedding tokenEmbedding();

    /** The width C of the hidden rows. */
    protected abstract int hiddenSize();

    /** How the hidden rows of one forward are made: from ids or from inputs_embeds. */
    private interface Trunk {
        Tensor hidden(KvCache cache);
    }

    private Trunk ofIds(int[] ids, int batch, int seq) {
        checkIds(ids, batch, seq);
        return cache -> hidden(ids, batch, seq, cache);
    }

    private Trunk ofEmbeds(Tensor embeds, int batch, int seq) {
        InputsEmbeds.rows(embeds, batch, seq, hiddenSize());   // shape checked before anything runs
        return cache -> hiddenFromEmbeds(embeds, batch, seq, cache);
    }

    @Override
    public final Tensor forward(int[] ids, int batch, int seq) { return logits(ofIds(ids, batch, seq), batch, seq); }

    @Override
    public final Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        return cachedLogits(ofIds(ids, batch, seq), batch, seq, cache);
    }

    @Override
    public final Tensor forwardPacked(int[] ids, int[] positions, int batch, int seq) {
        return logits(ofPacked(ids, positions, batch, seq), batch, seq);
    }

    @Override
    public final Tensor lossPacked(int[] ids, int[] targets, int[] positions, int batch, int seq) {
        return loss(ofPacked(ids, positions, batch, seq), targets, batch, seq);
    }

    private Trunk ofPacked(int[] ids, int[] positions, int batch, int seq) {
        checkIds(ids, batch, seq);
        return cache -> packedHidden(ids, batch, seq, positions);
    }

    @Override
    public final Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        return nextTokenLogits(ofIds(ids, batch, seq), batch, seq, cache);
    }

    @Override
    public final Tensor lastHiddenState(int[] ids, int batch, int seq) {
        return lastHidden(ofIds(ids, batch, seq), batch, seq, null);
    }

    @Override
    public final Tensor lastHiddenState(int[] ids, int batch, int seq, KvCache cache) {
        return lastHidden(ofIds(ids, batch, seq), batch, seq, cache);
    }

    @Override
    public final Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        return lastHidden(ofEmbeds(inputsEmbeds, batch, seq), batch, seq, null);
    }

    @Override
    public final Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        return lastHidden(ofEmbeds(inputsEmbeds, batch, seq), batch, seq, cache);
    }

    @Override
    public final Tensor lmHead(Tensor hidden) {
        if (hidden.rank() != 2 || hidden.size(1) != hiddenSize())
            throw new IllegalArgumentException("lm_head takes hidden rows [N, " + hiddenSize() + "], got " + hidden);
        return head(hidden);
    }

    private Tensor lastHidden(Trunk trunk, int batch, int seq, KvCache cache) {
        if (cache == null) return F.reshape(trunk.hidden(null), batch, seq, hiddenSize());
        checkCache(cache, batch);
        try (NoGrad g = unlessDifferentiable(cache)) {
            Tensor h = trunk.hidden(cache);
            cache.advance(seq);
            return F.reshape(h, batch, seq, hiddenSize());
        }
    }

    @Override
    public final Tensor embed(int[] ids) {
        if (!(get(inputEmbeddingsPath()) instanceof Layer embeddings))
            throw new IllegalStateException(inputEmbeddingsPath() + " has been replaced by a module that is not a Layer");
        return embeddings.forward(Embedding.ids(ids));
    }

    /**
     * Logits {@code [B, T, V]} from {@code inputsEmbeds} ({@code [B*T, C]} or {@code [B, T, C]}) in place of the token
     * lookup, transformers' {@code forward(inputs_embeds=...)}: position embeddings (GPT-2) or rotary positions (Llama)
     * are applied as for ids. Records autograd, so gradients reach the embeddings (prompt tuning).
     */
    @Override
    public final Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq) {
        return logits(ofEmbeds(inputsEmbeds, batch, seq), batch, seq);
    }

    /** As {@link #forwardEmbeds(Tensor, int, int)}, continuing from {@code cache} and extending it by T. */
    @Override
    public final Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        if (cache == null) return forwardEmbeds(inputsEmbeds, batch, seq);
        return cachedLogits(ofEmbeds(inputsEmbeds, batch, seq), batch, seq, cache);
    }

    /** Logits {@code [B, V]} of the last position, from inputs_embeds, extending {@code cache}. */
    @Override
    public final Tensor nextTokenLogitsFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache) {
        return nextTokenLogits(ofEmbeds(inputsEmbeds, batch, seq), batch, seq, cache);
    }

    /** As {@link #loss} from inputs_embeds instead of ids. */
    @Override
    public final Tensor lossFromEmbeds(Tensor inputsEmbeds, int[] targets, int batch, int seq) {
        return loss(ofEmbeds(inputsEmbeds, batch, seq), targets, batch, seq);
    }

    /**
     * Mean next-token cross-entropy, with the head and the loss fused over chunks of rows
     * ({@link F#linearCrossEntropy}) so the {@code [B*T, V]} logits never exist at once. That needs the head's weight:
     * the tied embedding, or an {@code lm_head} that is a plain {@link Linear}. When {@code lm_head} has been replaced
     * by some other layer (a PEFT wrapper, a quantized layer), or the tied table is frozen in a kernel format, the
     * head is called as in {@link #forward} and the loss is computed on its full logits.
     */
    @Override
    public Tensor loss(int[] ids, int[] targets, int batch, int seq) { return loss(ofIds(ids, batch, seq), targets, batch, seq); }

    private Tensor logits(Trunk trunk, int batch, int seq) {
        return F.reshape(head(trunk.hidden(null)), batch, seq, config().vocabSize());
    }

    /** A cached forward records autograd only through a differentiable cache (a null resource is skipped). */
    private static NoGrad unlessDifferentiable(KvCache cache) { return cache.differentiable() ? null : NoGrad.enter(); }

    private Tensor cachedLogits(Trunk trunk, int batch, int seq, KvCache cache) {
        checkCache(cache, batch);
        try (NoGrad g = unlessDifferentiable(cache)) {
            Tensor logits = head(trunk.hidden(cache));
            cache.advance(seq);
            return F.reshape(logits, batch, seq, config().vocabSize());
        }
    }

    private Tensor nextTokenLogits(Trunk trunk, int batch, int seq, KvCache cache) {
        checkCache(cache, batch);
        try (NoGrad g = unlessDifferentiable(cache)) {
            Tensor h = trunk.hidden(cache);
            cache.advance(seq);
            int c = hiddenSize();
            return head(F.reshape(F.slice(F.reshape(h, batch, seq, c), 1, seq - 1, seq), batch, c));
        }
    }

    /**
     * Rows per chunk of the fused head + loss. With activation checkpointing the user trades compute for memory, and
     * the [chunk, V] logits buffer (256 MiB by default) is then the largest step buffer left, so it shrinks to 2^23
     * logits (32 MiB): the head's weight is packed for the sgemm once per chunk, a few percent of a checkpointed step.
     */
    private int lossChunkRows() {
        int v = config().vocabSize(), rows = F.defaultLossChunkRows(v);
        return checkpointsActivations() ? Math.max(1, Math.min(rows, (1 << 23) / Math.max(1, v))) : rows;
    }

    private Tensor loss(Trunk trunk, int[] targets, int batch, int seq) {
        if (targets.length != batch * seq)
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + batch * seq);
        Tensor h = trunk.hidden(null);
        int chunk = lossChunkRows();
        if (!children().containsKey("lm_head") && tokenEmbedding().frozen() == null)
            return F.linearCrossEntropy(h, tokenEmbedding().weight().value(), null, targets, IGNORE_INDEX, chunk);
        if (children().containsKey("lm_head") && this.<Module>childAt("lm_head") instanceof Linear head)
            return F.linearCrossEntropy(h, head.weight().value(), head.bias() == null ? null : head.bias().value(),
                    targets, IGNORE_INDEX, chunk);
        return F.crossEntropy(head(h), targets, IGNORE_INDEX);
    }

    /**
     * Each row's summed log p(label) ({@code labels [B*T]}, label i scoring position i's logits, {@link #IGNORE_INDEX}
     * adding nothing), with the head fused into the sum ({@link F#linearLogProbSums}) so the {@code [B*T, V]} logits,
     * their log-softmax and gradient never exist whole: DPO's completion log-probs. Shape [B]. Null when the head
     * has no plain weight to fuse (as {@link #loss} falls back); the caller then scores {@link #forward}'s logits.
     */
    public Tensor fusedLabelLogProbSums(int[] ids, int[] labels, int batch, int seq) {
        if (labels.length != batch * seq)
            throw new IllegalArgumentException("labels has " + labels.length + " ids, expected B*T = " + batch * seq);
        Tensor weight, bias = null;
        if (!children().containsKey("lm_head") && tokenEmbedding().frozen() == null) weight = tokenEmbedding().weight().value();
        else if (children().containsKey("lm_head") && this.<Module>childAt("lm_head") instanceof Linear head) {
            weight = head.weight().value();
            bias = head.bias() == null ? null : head.bias().value();
        } else return null;
        Tensor h = ofIds(ids, batch, seq).hidden(null);
        return F.linearLogProbSums(h, weight, bias, labels, IGNORE_INDEX, seq, lossChunkRows());
    }

    /** Hidden rows {@code [N, C]} -> logits {@code [N, V]}. */
    private Tensor head(Tensor h) {
        if (children().containsKey("lm_head")) return this.<Module>childAt("lm_head") instanceof Layer l
                ? l.forward(h) : failNotLayer();
        Embedding e = tokenEmbedding();
        return e.frozen() != null ? F.frozenLinear(h, e.frozen().kernel()) : F.linear(h, e.weight().value(), null);
    }

    private static Tensor failNotLayer() {
        throw new IllegalStateException("lm_head has been replaced by a module that is not a Layer");
    }

    @Override public final Module module() { return this; }

    static void checkIds(int[] ids, int batch, int seq) {
        if (batch <= 0 || seq <= 0)
            throw new IllegalArgumentException("batch and sequence length must be positive, got " + batch + " x " + seq);
        if (ids.length != batch * seq)
            throw new IllegalArgumentException("got " + ids.length + " token ids, expected B*T = " + batch + "*" + seq);
    }

    private static void checkCache(KvCache cache, int batch) {
        if (cache.batch() != batch)
            throw new IllegalArgumentException("KV cache made for batch " + cache.batch() + ", forward has batch " + batch);
    }
}
