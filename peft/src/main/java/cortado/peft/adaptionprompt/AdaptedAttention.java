package cortado.peft.adaptionprompt;

import cortado.autograd.F;
import cortado.nn.CausalSelfAttention;
import cortado.nn.Conv1D;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.PositionIds;
import cortado.nn.RotaryEmbedding;
import cortado.nn.SelfAttention;
import cortado.nn.models.KvCache;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code AdaptedAttention} (Llama, Mistral) and {@code AdaptedAttentionGPT} over a {@link CausalSelfAttention}:
 * the wrapped attention runs unchanged (RoPE, causal mask, sliding window, KV cache), then every query also attends
 * over the adapter's prompt tokens, {@code gate · softmax(q k_pᵀ / sqrt(D)) v_p}, and that is added to the output.
 * q is the layer's own query (q_proj, rotated at the token's position; GPT-2: c_attn's query part, no rotation);
 * {@code k_p, v_p} are the layer's k_proj/v_proj (GPT-2: c_attn's key and value parts) applied to the prompt, with no
 * rotation, no mask, and grouped heads shared as peft's {@code repeat_interleave} shares them. Llama and Mistral pass
 * the sum through the layer's o_proj (bias included, as peft calls it) before adding it to the attention output; GPT-2
 * adds it as it is, after c_proj. Children: {@code base_layer} (peft's {@code model}), {@code adaption_prompt.<name>}
 * {@code [1, adapter_len, hidden]} drawn from N(0, 1) and {@code adaption_gate.<name>} {@code [1]} starting at zero,
 * so a fresh adapter changes nothing.
 */
public final class AdaptedAttention extends BaseTunerLayer implements SelfAttention {
    private final int hidden, heads, kvHeads, headDim;
    private final boolean fused;

    public AdaptedAttention(Module base) {
        super(base);
        if (!(base instanceof CausalSelfAttention a))
            throw new PeftException("ADAPTION_PROMPT wraps a decoder self-attention, not a "
                    + base.getClass().getSimpleName());
        heads = a.heads();
        kvHeads = a.kvHeads();
        headDim = a.headDim();
        fused = a.children().containsKey("c_attn");
        if (fused) hidden = ((Conv1D) a.children().get("c_attn")).inFeatures();
        else {
            Linear k = (Linear) a.children().get("k_proj");
            hidden = k.inFeatures();
            // peft reads the key/value heads as num_heads / (k_proj in / k_proj out): refuse what it cannot run
            int factor = k.inFeatures() / k.outFeatures();
            if (factor == 0 || heads / factor != kvHeads)
                throw new PeftException("ADAPTION_PROMPT (peft 0.21) takes the key/value heads to be num_attention_heads"
                        + " / (hidden_size / k_proj's outputs) = " + (factor == 0 ? "undefined" : heads / factor)
                        + ", but this model has " + kvHeads + " (hidden_size " + k.inFeatures() + ", k_proj outputs "
                        + k.outFeatures() + "): peft cannot adapt it either");
        }
        child("adaption_prompt", new ParameterDict());
        child("adaption_gate", new ParameterDict());
    }

    /** Adds adapter {@code name} (peft creates one AdaptedAttention per adapter), made active. */
    public void addAdapter(String name, int adapterLen, long seed, long stream) {
        checkNew(name);
        // fp32 on the base's backend (a quantized base may hold no Parameter: then the CPU's), as peft's float32
        // for int8 bases; peft would match a bf16/f16 base's dtype
        Backend be = baseLayer().namedParameters().values().stream().findFirst().map(p -> p.value().backend())
                .orElse(Backends.cpu());
        Tensor prompt = be.zeros(1, adapterLen, hidden);
        Init.normal(prompt, 1f, seed, stream);   // peft: torch.empty(...).normal_() (the official repo's Embedding)
        this.<ParameterDict>childAt("adaption_prompt").put(name, prompt);
        this.<ParameterDict>childAt("adaption_gate").put(name, be.zeros(1));   // "zero-init attention"
        register(name);
    }

    private Parameter prompt(String adapter) { return this.<ParameterDict>childAt("adaption_prompt").at(adapter); }

    private Parameter gate(String adapter) { return this.<ParameterDict>childAt("adaption_gate").at(adapter); }

    /** A single tensor does not say where its tokens sit: the layer is an attention and is called as one. */
    @Override
    public Tensor forward(Tensor x) {
        throw new PeftException("an adaption-prompt layer wraps an attention: call it as one");
    }

    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        CausalSelfAttention base = (CausalSelfAttention) baseLayer();
        RotaryEmbedding rotary = base.rotary();
        // the query positions as the base computes them, read before the base appends to the cache
        int[] pos = rotary == null ? null : positions != null ? positions
                : cache != null && cache.padded() ? cache.positionIds(seq)
                : PositionIds.range(batch, seq, cache == null ? 0 : cache.length());
        Tensor out = base.forward(x, batch, seq, positions, cache, layer, mask);
        List<String> names = pending();
        if (names.isEmpty()) return out;
        // The prompt is seen by every token alike (no mask, no position), so the batch folds into one row of B*T
        // queries: q [1, H, B*T, D] against the prompt's [1, Hkv, L, D].
        int n = batch * seq;
        Tensor q;
        if (fused) {
            Layer cAttn = (Layer) base.children().get("c_attn");
            q = F.slice(heads(cAttn.forward(x), n, 3 * heads), 1, 0, heads);
        } else {
            Layer qp = (Layer) base.children().get("q_proj");
            q = heads(qp.forward(x), n, heads);
            q = F.rope(q, pos, rotary.table(pos, batch, seq));
        }
        Tensor sum = null;
        for (String name : names) {
            Tensor[] kv = promptKeysValues(base, prompt(name).value());
            Tensor y = F.attention(q, kv[0], kv[1], AttentionMask.BIDIRECTIONAL, (float) (1.0 / Math.sqrt(headDim)));
            y = F.mul(y, gate(name).value());
            // [1, H, B*T, D] -> rows [B*T, H*D]
            Tensor rows = F.reshape(F.permute(y, 0, 2, 1, 3), n, heads * headDim);
            if (!fused) rows = ((Layer) base.children().get("o_proj")).forward(rows);
            sum = sum == null ? rows : F.add(sum, rows);
        }
        return F.add(out, sum);
    }

    /** The prompt {@code [1, L, C]} through the layer's key and value projections, as heads {@code [1, Hkv, L, D]}. */
    private Tensor[] promptKeysValues(CausalSelfAttention base, Tensor prompt) {
        int len = prompt.size(1);
        Tensor rows = F.reshape(prompt, len, hidden);
        if (fused) {
            Tensor all = heads(((Layer) base.children().get("c_attn")).forward(rows), len, 3 * heads);
            return new Tensor[] {F.slice(all, 1, heads, 2 * heads), F.slice(all, 1, 2 * heads, 3 * heads)};
        }
        Layer kp = (Layer) base.children().get("k_proj"), vp = (Layer) base.children().get("v_proj");
        return new Tensor[] {heads(kp.forward(rows), len, kvHeads), heads(vp.forward(rows), len, kvHeads)};
    }

    /** Rows {@code [n, h*D]} as heads {@code [1, h, n, D]} (a view). */
    private Tensor heads(Tensor rows, int n, int h) {
        return F.permute(F.reshape(rows, 1, n, h, headDim), 0, 2, 1, 3);
    }

    /** Not a weight update: nothing to fold in (peft's AdaptionPromptModel has no merge). */
    @Override
    protected void mergeAdapter(String name) { throw new PeftException(AdaptionPromptTuner.UNMERGEABLE); }

    @Override
    protected void unmergeAdapter(String name) { throw new PeftException(AdaptionPromptTuner.UNMERGEABLE); }

    @Override
    protected void removeTensors(String name) {
        this.<ParameterDict>childAt("adaption_prompt").remove(name);
        this.<ParameterDict>childAt("adaption_gate").remove(name);
    }

    /** {@code adaption_prompt.<adapter>} and {@code adaption_gate.<adapter>}, peft's order. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("adaption_prompt." + adapter, prompt(adapter));
        m.put("adaption_gate." + adapter, gate(adapter));
        return m;
    }
}
