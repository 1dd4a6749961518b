package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * Llama's SwiGLU feed-forward (Shazeer 2020): down_proj(silu(gate_proj(x)) * up_proj(x)), biases only with Llama's
 * mlp_bias.
 */
public final class GatedMlp extends Module implements Layer {

    public GatedMlp(int dim, int hidden) { this(dim, hidden, false); }

    public GatedMlp(int dim, int hidden, boolean bias) {
        child("gate_proj", new Linear(dim, hidden, bias));
        child("up_proj", new Linear(dim, hidden, bias));
        child("down_proj", new Linear(hidden, dim, bias));
    }

    /** x {@code [N, dim]} -> {@code [N, dim]}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer gate = childAt("gate_proj"), up = childAt("up_proj"), down = childAt("down_proj");
        return down.forward(F.mul(F.silu(gate.forward(x)), up.forward(x)));
    }
}
