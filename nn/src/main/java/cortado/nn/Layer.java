package cortado.nn;

import cortado.tensor.Tensor;

/**
 * A module that maps one activation tensor to another ({@code [N, in] -> [N, out]} for the projections, any shape for
 * the norms). Attention and blocks call their children through this interface, so PEFT can replace a {@link Linear}
 * by a wrapper (LoRA) that is also a {@code Layer} without the caller knowing.
 */
public interface Layer {
    Tensor forward(Tensor x);
}
