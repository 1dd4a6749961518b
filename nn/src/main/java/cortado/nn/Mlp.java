package cortado.nn;

import cortado.tensor.Tensor;

/** GPT-2's feed-forward: c_proj(gelu(c_fc(x))), GELU in its tanh form ("gelu_new"), hidden width n_inner. */
public final class Mlp extends Module implements Layer {

    public Mlp(int dim, int hidden) {
        child("c_fc", new Conv1D(dim, hidden));
        child("c_proj", new Conv1D(hidden, dim));
    }

    /** x {@code [N, dim]} -> {@code [N, dim]}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer fc = childAt("c_fc"), proj = childAt("c_proj");
        return proj.forward(fc.forwardGelu(x)); // c_fc's bias and the GELU in one fused pass
    }
}
