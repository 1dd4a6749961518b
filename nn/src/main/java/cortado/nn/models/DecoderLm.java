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

    /** The token embedding {@code [V, C]}, whose table is the head's weight when the embeddings are tied. */
    protected abstract Embedding tokenEmbedding();

    /** The width C of the hidden rows. */
    protected abstract int hiddenSize();

    @Override
    public final Tensor forward(int[] ids, int batch, int seq) {
        checkIds(ids, batch, seq);
        return F.reshape(head(hidden(ids, batch, seq, null)), batch, seq, config().vocabSize());
    }

    @Override
    public final Tensor forward(int[] ids, int batch, int seq, KvCache cache) {
        if (cache == null) return forward(ids, batch, seq);
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor logits = head(hidden(ids, batch, seq, cache));
            cache.advance(seq);
            return logits.reshape(batch, seq, config().vocabSize());
        }
    }

    @Override
    public final Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        checkIds(ids, batch, seq);
        checkCache(cache, batch);
        try (NoGrad g = NoGrad.enter()) {
            Tensor h = hidden(ids, batch, seq, cache);
            cache.advance(seq);
            int c = hiddenSize();
            return head(h.reshape(batch, seq, c).slice(1, seq - 1, seq).reshape(batch, c));
        }
    }

    /**
     * Mean next-token cross-entropy, with the head and the loss fused over chunks of rows
     * ({@link F#linearCrossEntropy}) so the {@code [B*T, V]} logits never exist at once. That needs the head's weight:
     * the tied embedding, or an {@code lm_head} that is a plain {@link Linear}. When {@code lm_head} has been replaced
     * by some other layer (a PEFT wrapper, a quantized layer), or the tied table is frozen in a kernel format, the
     * head is called as in {@link #forward} and the loss is computed on its full logits.
     */
    @Override
    public Tensor loss(int[] ids, int[] targets, int batch, int seq) {
        checkIds(ids, batch, seq);
        if (targets.length != batch * seq)
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + batch * seq);
        Tensor h = hidden(ids, batch, seq, null);
        if (!children().containsKey("lm_head") && tokenEmbedding().frozen() == null)
            return F.linearCrossEntropy(h, tokenEmbedding().weight().value(), null, targets, IGNORE_INDEX);
        if (children().containsKey("lm_head") && this.<Module>childAt("lm_head") instanceof Linear head)
            return F.linearCrossEntropy(h, head.weight().value(), head.bias() == null ? null : head.bias().value(),
                    targets, IGNORE_INDEX);
        return F.crossEntropy(head(h), targets, IGNORE_INDEX);
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

    private static void checkIds(int[] ids, int batch, int seq) {
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
