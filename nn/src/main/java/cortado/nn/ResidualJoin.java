package cortado.nn;

import cortado.tensor.Tensor;

/**
 * How a sublayer's output joins the residual stream, for a wrapper that changes it (adapter-hub's bottleneck
 * adapters sit exactly there: {@code bottleneck_layer_forward(hidden_states, residual_input, layer_norm)}). A block
 * whose attention or MLP child, or a BERT residual output whose {@code dense} child, implements this calls
 * {@link #join} instead of adding the residual itself; any other child gets the plain join:
 * {@code out + residual} (pre-norm) or {@code norm(out + residual)} (post-norm).
 */
public interface ResidualJoin {

    /**
     * @param out      the sublayer's output {@code [N, C]} (after its dropout)
     * @param residual the residual stream the sublayer read {@code [N, C]}
     * @param norm     the post-norm LayerNorm applied to the sum (BERT), or null for a pre-norm block
     */
    Tensor join(Tensor out, Tensor residual, Layer norm);
}
