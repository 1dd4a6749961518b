package cortado.nn;

import cortado.tensor.Tensor;

/**
 * GPT-2's feed-forward: dropout(c_proj(gelu(c_fc(x)))), GELU in its tanh form ("gelu_new"), hidden width n_inner, and
 * GPT2MLP's {@code dropout} (resid_pdrop) on the output.
 */
public final class Mlp extends Module implements Layer {

    public Mlp(int dim, int hidden) { this(dim, hidden, 0f); }

    public Mlp(int dim, int hidden, float residPdrop) {
        child("c_fc", new Conv1D(dim, hidden));
        child("c_proj", new Conv1D(hidden, dim));
        child("dropout", new Dropout(residPdrop));
    }

    /** x {@code [N, dim]} -> {@code [N, dim]}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer fc = childAt("c_fc"), proj = childAt("c_proj"), dropout = childAt("dropout");
        return dropout.forward(proj.forward(fc.forwardGelu(x))); // c_fc's bias and the GELU in one fused pass
    }
}
