package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * Scaled-dot-product attention with its probabilities formed explicitly, so a layer (dropout on the attention
 * probabilities: GPT-2's attn_dropout, BERT's attention_probs_dropout_prob, Llama's attention_dropout) can act on them
 * as transformers' eager attention does: softmax(q k^T * scale + mask) -> {@code probabilities} -> @ v. The fused kernel
 * ({@link F#attention}) never stores the [T, S] probabilities, so this path runs only in training with such a layer;
 * it costs O(T*S) memory per head. A query that sees no key at all gets uniform weights here (transformers' additive
 * mask of the float minimum) where the fused kernel gives zeros: only padding queries, whose outputs are unused.
 */
public final class ProbabilitiesAttention {
    private ProbabilitiesAttention() {}

    /** q {@code [B, H, T, D]}, k and v {@code [B, Hkv, S, D]} (H a multiple of Hkv) -> {@code [B, H, T, D]}. */
    public static Tensor attend(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Layer probabilities) {
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2);
        int g = h / hkv;
        // Query heads hkv*G .. hkv*G + G-1 share key/value head hkv (transformers' repeat_kv): group them as rows.
        Tensor grouped = F.reshape(q, b, hkv, g * t, d);
        Tensor scores = F.reshape(F.scale(F.matmul(grouped, k, false, true), scale), b, h, t, s);
        Tensor weights = F.softmax(F.add(scores, mask.additive(q.backend(), b, t, s)));
        Tensor dropped = F.reshape(probabilities.forward(weights), b, hkv, g * t, s);
        return F.reshape(F.matmul(dropped, v), b, h, t, d);
    }
}
