package cortado.nn;

import cortado.autograd.F;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;

/**
 * Masked multi-head self-attention (Vaswani et al. 2017) with grouped-query heads (Ainslie et al. 2023: H query heads
 * share Hkv key/value heads) and optional rotary positions (Su et al. 2021, rotate-half form as in Hugging Face's
 * Llama). Two parameter layouts, with Hugging Face's names:
 * <ul>
 *   <li>GPT-2: one fused {@code c_attn} ({@link Conv1D}, C -> 3C, q|k|v along the output) and {@code c_proj};</li>
 *   <li>Llama and its relatives (Mistral, Qwen2, Qwen3): {@code q_proj}, {@code k_proj}, {@code v_proj},
 *       {@code o_proj} ({@link Linear}), with the biases, Qwen3's {@code q_norm}/{@code k_norm} and the sliding window
 *       that {@link Options} names.</li>
 * </ul>
 * Activations arrive as rows {@code [B*T, C]}; heads are views {@code [B, H, T, D]} of the projection output (no copy)
 * handed to the fused attention kernel, whose result is merged back into rows for the output projection.
 */
public final class CausalSelfAttention extends Module implements SelfAttention {
    private final int heads, kvHeads, headDim;
    private final RotaryEmbedding rotary; // null: no rotary embedding (GPT-2's positions are learned)
    private final boolean fused;
    private final Options options;
    private final String outName;

    private CausalSelfAttention(int heads, int kvHeads, int headDim, RotaryEmbedding rotary, boolean fused,
                                Options options) {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0)
            throw new IllegalArgumentException("attention sizes must be positive: heads " + heads + ", kv heads "
                    + kvHeads + ", head dim " + headDim);
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("kv heads (" + kvHeads + ") must divide heads (" + heads + ")");
        if (rotary != null && rotary.half() * 2 != headDim)
            throw new IllegalArgumentException("rotary embedding has " + rotary.half() + " frequencies, head dim "
                    + headDim + " needs " + headDim / 2);
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.rotary = rotary;
        this.options = options;
        this.fused = fused;
        this.outName = fused ? "c_proj" : "o_proj";
    }

    /** GPT-2's attention: {@code dim / heads} per head, fused c_attn and c_proj with biases, learned positions elsewhere. */
    public static CausalSelfAttention gpt2(int dim, int heads) { return gpt2(dim, heads, 0f, 0f); }

    /**
     * GPT-2's attention with its dropout as GPT2Attention registers it: {@code attn_dropout} (attn_pdrop) on the
     * attention probabilities and {@code resid_dropout} (resid_pdrop) on c_proj's output.
     */
    public static CausalSelfAttention gpt2(int dim, int heads, float attnPdrop, float residPdrop) {
        if (heads <= 0 || dim % heads != 0)
            throw new IllegalArgumentException("heads (" + heads + ") must divide the width (" + dim + ")");
        CausalSelfAttention a = new CausalSelfAttention(heads, heads, dim / heads, null, true, Options.LLAMA);
        a.child("c_attn", new Conv1D(dim, 3 * dim));
        a.child("c_proj", new Conv1D(dim, dim));
        a.child("attn_dropout", new Dropout(attnPdrop));
        a.child("resid_dropout", new Dropout(residPdrop));
        return a;
    }

    /**
     * What the Llama-family attentions of transformers differ in: biases on q/k/v ({@code Qwen2Attention} always,
     * Llama's and Qwen3's with attention_bias) and on o_proj (attention_bias), Qwen3's per-head RMSNorm of queries and
     * keys before RoPE (q_norm, k_norm over head_dim, eps {@code qkNormEps}; 0 = none), and a sliding window of keys
     * (Mistral's sliding_window, Qwen2's sliding layers; 0 = none).
     */
    public record Options(boolean qkvBias, boolean outputBias, float qkNormEps, int slidingWindow) {
        public static final Options LLAMA = new Options(false, false, 0f, 0);

        public Options {
            if (qkNormEps < 0 || slidingWindow < 0)
                throw new IllegalArgumentException("qk norm eps and sliding window must be >= 0");
        }
    }

    /** Llama's attention: separate bias-free projections, GQA with {@code kvHeads}, plain RoPE with base {@code ropeTheta}. */
    public static CausalSelfAttention llama(int dim, int heads, int kvHeads, int headDim, float ropeTheta) {
        return llama(dim, heads, kvHeads, headDim, RotaryEmbedding.standard(headDim, ropeTheta), Options.LLAMA);
    }

    /**
     * A Llama-family attention with the model's shared {@code rotary} embedding (one per model, so its table is built
     * once and dynamic scaling updates every layer together).
     */
    public static CausalSelfAttention llama(int dim, int heads, int kvHeads, int headDim, RotaryEmbedding rotary,
                                            Options options) {
        return llama(dim, heads, kvHeads, headDim, rotary, options, 0f);
    }

    /**
     * As above with transformers' {@code attention_dropout} on the attention probabilities in training, as a child
     * {@code attention_dropout} (registered only when the rate is not 0, so the module tree is transformers' otherwise).
     */
    public static CausalSelfAttention llama(int dim, int heads, int kvHeads, int headDim, RotaryEmbedding rotary,
                                            Options options, float attentionDropout) {
        CausalSelfAttention a = new CausalSelfAttention(heads, kvHeads, headDim, rotary, false, options);
        a.child("q_proj", new Linear(dim, heads * headDim, options.qkvBias()));
        a.child("k_proj", new Linear(dim, kvHeads * headDim, options.qkvBias()));
        a.child("v_proj", new Linear(dim, kvHeads * headDim, options.qkvBias()));
        a.child("o_proj", new Linear(heads * headDim, dim, options.outputBias()));
        if (options.qkNormEps() > 0) {
            a.child("q_norm", new RMSNorm(headDim, options.qkNormEps()));
            a.child("k_norm", new RMSNorm(headDim, options.qkNormEps()));
        }
        if (attentionDropout > 0f) a.child("attention_dropout", new Dropout(attentionDropout));
        return a;
    }

    /**
     * x {@code [B*T, C]} -> {@code [B*T, C]}. Without a cache the T tokens sit at positions 0..T-1; with one they
     * continue from {@code cache.length()} and this layer's keys and values are appended under index {@code layer}.
     */
    public Tensor forward(Tensor x, int batch, int seq, KvCache cache, int layer) {
        return forward(x, batch, seq, null, cache, layer, null);
    }

    /**
     * As {@link #forward(Tensor, int, int, KvCache, int)} with explicit rotary position ids {@code positions}
     * (row-major [B, T], Hugging Face's {@code position_ids}); null means {@code start .. start+T-1} in every row, start
     * being the cache's length (0 without one). Attention itself stays causal over the cache's slots.
     */
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer) {
        return forward(x, batch, seq, positions, cache, layer, null);
    }

    /**
     * As {@link #forward(Tensor, int, int, KvCache, int)} with an explicit mask over the (cached and new) keys: key
     * padding of batched prompts, per-row query offsets of a cache whose rows have their own lengths, a sliding window.
     */
    public Tensor forward(Tensor x, int batch, int seq, KvCache cache, int layer, AttentionMask mask) {
        return forward(x, batch, seq, null, cache, layer, mask);
    }

    /**
     * The general form: rotary {@code positions} (null: from the cache, see above) and attention {@code mask} (null:
     * causal, with the left padding the cache records masked out). A layer with a sliding window (Mistral, Qwen2's
     * sliding layers) adds it to whatever mask it is given, as transformers' {@code create_sliding_window_causal_mask} does.
     */
    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        int start = cache == null ? 0 : cache.length();
        Tensor q, k, v;
        if (fused) {
            // [B*T, (H + 2 Hkv) D] -> [B, T, H + 2 Hkv, D] -> [B, H + 2 Hkv, T, D]; q, k, v are slices along the heads.
            Layer cAttn = childAt("c_attn");
            Tensor all = F.permute(F.reshape(cAttn.forward(x), batch, seq, heads + 2 * kvHeads, headDim), 0, 2, 1, 3);
            q = F.slice(all, 1, 0, heads);
            k = F.slice(all, 1, heads, heads + kvHeads);
            v = F.slice(all, 1, heads + kvHeads, heads + 2 * kvHeads);
        } else {
            Layer qp = childAt("q_proj"), kp = childAt("k_proj"), vp = childAt("v_proj");
            q = splitHeads(perHeadNorm("q_norm", qp.forward(x), heads), batch, seq, heads);
            k = splitHeads(perHeadNorm("k_norm", kp.forward(x), kvHeads), batch, seq, kvHeads);
            v = splitHeads(vp.forward(x), batch, seq, kvHeads);
        }
        if (rotary != null) {
            int[] pos = positions != null ? positions
                    : cache != null && cache.padded() ? cache.positionIds(seq) : PositionIds.range(batch, seq, start);
            RopeTable table = rotary.table(pos, batch, seq);
            q = F.rope(q, pos, table);
            k = F.rope(k, pos, table);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Layer probabilities = probabilitiesLayer();
        Tensor y;
        if (cache != null && cache.paged()) {   // keys and values in blocks: attention reads them through the tables
            if (probabilities != null)
                throw new IllegalStateException("a paged KV cache serves inference; attention dropout is a training op");
            if (mask == null) mask = cache.attentionMask(start + seq);
            if (options.slidingWindow() > 0) mask = mask.withSlidingWindow(options.slidingWindow());
            y = cache.attend(layer, q, k, v, mask, scale);
        } else {
            if (cache != null) {
                KvCache.KeysValues kv = cache.append(layer, k, v);
                k = kv.keys();
                v = kv.values();
            }
            if (mask == null) mask = cache == null ? AttentionMask.CAUSAL : cache.attentionMask(k.size(2));
            if (options.slidingWindow() > 0) mask = mask.withSlidingWindow(options.slidingWindow());
            y = probabilities == null ? F.attention(q, k, v, mask, scale)
                    : ProbabilitiesAttention.attend(q, k, v, mask, scale, probabilities);
        }
        // [B, H, T, D] -> [B, T, H, D] -> rows [B*T, H*D] (the one copy: heads interleave back into channels).
        Tensor rows = F.reshape(F.permute(y, 0, 2, 1, 3), batch * seq, heads * headDim);
        Layer out = childAt(outName);
        Tensor o = out.forward(rows);
        if (!children().containsKey("resid_dropout")) return o;
        Layer residDropout = childAt("resid_dropout");
        return residDropout.forward(o);
    }

    /**
     * The layer applied to the attention probabilities in training ({@code attn_dropout}, {@code attention_dropout}),
     * or null when there is none to apply (eval mode, rate 0): the fused kernel then runs.
     */
    private Layer probabilitiesLayer() {
        String name = fused ? "attn_dropout" : "attention_dropout";
        if (!isTraining() || !children().containsKey(name)) return null;
        Module m = childAt(name);
        if (m instanceof Dropout d && d.p() == 0f) return null;
        return (Layer) m;
    }

    /** Qwen3's q_norm/k_norm: RMSNorm of each head's D values, on rows {@code [B*T, n*D]}; identity without it. */
    private Tensor perHeadNorm(String name, Tensor rows, int n) {
        if (!children().containsKey(name)) return rows;
        Layer norm = childAt(name);
        return F.reshape(norm.forward(F.reshape(rows, rows.size(0) * n, headDim)), rows.size(0), n * headDim);
    }

    /** Rows {@code [B*T, n*D]} as heads {@code [B, n, T, D]} (a view). */
    private Tensor splitHeads(Tensor rows, int batch, int seq, int n) {
        return F.permute(F.reshape(rows, batch, seq, n, headDim), 0, 2, 1, 3);
    }

    public int heads() { return heads; }

    public int kvHeads() { return kvHeads; }

    public int headDim() { return headDim; }

    public Options options() { return options; }

    /** The rotary embedding this layer shares with its model, or null (GPT-2). */
    public RotaryEmbedding rotary() { return rotary; }
}
