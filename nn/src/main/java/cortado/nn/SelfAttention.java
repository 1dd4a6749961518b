package cortado.nn;

import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * What a block needs of its attention layer, so an attention can be replaced or wrapped by name (a PEFT method, a
 * prefix of virtual keys) without the block knowing the class: rows {@code [B*T, C]} in, rows {@code [B*T, C]} out.
 * The decoder attentions ({@link CausalSelfAttention}) read rotary {@code positions} and append to {@code cache}; an
 * encoder's (BERT's) has neither and refuses a cache.
 */
public interface SelfAttention {

    /**
     * @param positions rotary position ids, row-major [B, T] (Hugging Face's {@code position_ids}); null: from the
     *                  cache's length (0 without one); ignored by layers without rotary positions
     * @param cache     keys and values of earlier positions, extended under index {@code layer}; null: none
     * @param mask      which keys each query sees; null: the layer's own default (causal, or bidirectional)
     */
    Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask);
}
