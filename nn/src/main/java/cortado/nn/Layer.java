package cortado.nn;

import cortado.tensor.Tensor;

/**
 * A module that maps one activation tensor to another ({@code [N, in] -> [N, out]} for the projections, any shape for
 * the norms). Attention and blocks call their children through this interface, so PEFT can replace a {@link Linear}
 * by a wrapper (LoRA) that is also a {@code Layer} without the caller knowing.
 */
public interface Layer {
    Tensor forward(Tensor x);

    /**
     * gelu(forward(x)). Projections override it to fuse their bias with the GELU (one pass instead of two, and the
     * biased product is never stored); a wrapper that does not is still correct through this default.
     */
    default Tensor forwardGelu(Tensor x) { return cortado.autograd.F.gelu(forward(x)); }
}
