package cortado.nn;

import cortado.autograd.F;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * Masked multi-head self-attention (Vaswani et al. 2017) with grouped-query heads (Ainslie et al. 2023: H query heads
 * share Hkv key/value heads) and optional rotary positions (Su et al. 2021, rotate-half form as in Hugging Face's
 * Llama). Two parameter layouts, with Hugging Face's names:
 * <ul>
 *   <li>GPT-2: one fused {@code c_attn} ({@link Conv1D}, C -> 3C, q|k|v along the output) and {@code c_proj};</li>
 *   <li>Llama: {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj} ({@link Linear}, no bias).</li>
 * </ul>
 * Activations arrive as rows {@code [B*T, C]}; heads are views {@code [B, H, T, D]} of the projection output (no copy)
 * handed to the fused attention kernel, whose result is merged back into rows for the output projection.
 */
public final class CausalSelfAttention extends Module {
    private final int heads, kvHeads, headDim;
    private final float ropeTheta; // 0: no rotary embedding
    private final boolean fused;
    private final String outName;

    private CausalSelfAttention(int heads, int kvHeads, int headDim, float ropeTheta, boolean fused) {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0)
            throw new IllegalArgumentException("attention sizes must be positive: heads " + heads + ", kv heads "
                    + kvHeads + ", head dim " + headDim);
        if (heads % kvHeads != 0)
            throw new IllegalArgumentException("kv heads (" + kvHeads + ") must divide heads (" + heads + ")");
        if (ropeTheta > 0 && headDim % 2 != 0)
            throw new IllegalArgumentException("rotary embedding needs an even head dim, got " + headDim);
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.ropeTheta = ropeTheta;
        this.fused = fused;
        this.outName = fused ? "c_proj" : "o_proj";
    }

    /** GPT-2's attention: {@code dim / heads} per head, fused c_attn and c_proj with biases, learned positions elsewhere. */
    public static CausalSelfAttention gpt2(int dim, int heads) {
        if (heads <= 0 || dim % heads != 0)
            throw new IllegalArgumentException("heads (" + heads + ") must divide the width (" + dim + ")");
        CausalSelfAttention a = new CausalSelfAttention(heads, heads, dim / heads, 0f, true);
        a.child("c_attn", new Conv1D(dim, 3 * dim));
        a.child("c_proj", new Conv1D(dim, dim));
        return a;
    }

    /** Llama's attention: separate bias-free projections, GQA with {@code kvHeads}, RoPE with base {@code ropeTheta}. */
    public static CausalSelfAttention llama(int dim, int heads, int kvHeads, int headDim, float ropeTheta) {
        CausalSelfAttention a = new CausalSelfAttention(heads, kvHeads, headDim, ropeTheta, false);
        a.child("q_proj", new Linear(dim, heads * headDim, false));
        a.child("k_proj", new Linear(dim, kvHeads * headDim, false));
        a.child("v_proj", new Linear(dim, kvHeads * headDim, false));
        a.child("o_proj", new Linear(heads * headDim, dim, false));
        return a;
    }

    /**
     * x {@code [B*T, C]} -> {@code [B*T, C]}. Without a cache the T tokens sit at positions 0..T-1; with one they
     * continue from {@code cache.length()} and this layer's keys and values are appended under index {@code layer}.
     */
    public Tensor forward(Tensor x, int batch, int seq, KvCache cache, int layer) {
        return forward(x, batch, seq, cache, layer, AttentionMask.CAUSAL);
    }

    /**
     * As {@link #forward(Tensor, int, int, KvCache, int)} with an explicit mask over the (cached and new) keys: key
     * padding of batched prompts, per-row query offsets of a cache whose rows have their own lengths, a sliding window.
     */
    public Tensor forward(Tensor x, int batch, int seq, KvCache cache, int layer, AttentionMask mask) {
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
            q = splitHeads(qp.forward(x), batch, seq, heads);
            k = splitHeads(kp.forward(x), batch, seq, kvHeads);
            v = splitHeads(vp.forward(x), batch, seq, kvHeads);
        }
        if (ropeTheta > 0) {
            q = F.rope(q, start, ropeTheta);
            k = F.rope(k, start, ropeTheta);
        }
        if (cache != null) {
            KvCache.KeysValues kv = cache.append(layer, k, v);
            k = kv.keys();
            v = kv.values();
        }
        Tensor y = F.attention(q, k, v, mask, (float) (1.0 / Math.sqrt(headDim)));
        // [B, H, T, D] -> [B, T, H, D] -> rows [B*T, H*D] (the one copy: heads interleave back into channels).
        Tensor rows = F.reshape(F.permute(y, 0, 2, 1, 3), batch * seq, heads * headDim);
        Layer out = childAt(outName);
        return out.forward(rows);
    }

    /** Rows {@code [B*T, n*D]} as heads {@code [B, n, T, D]} (a view). */
    private Tensor splitHeads(Tensor rows, int batch, int seq, int n) {
        return F.permute(F.reshape(rows, batch, seq, n, headDim), 0, 2, 1, 3);
    }

    public int heads() { return heads; }

    public int kvHeads() { return kvHeads; }

    public int headDim() { return headDim; }

    public float ropeTheta() { return ropeTheta; }
}
