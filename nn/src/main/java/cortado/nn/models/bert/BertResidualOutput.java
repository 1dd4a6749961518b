package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.LayerNorm;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.ResidualJoin;
import cortado.tensor.Tensor;

/**
 * HF's {@code BertSelfOutput} and {@code BertOutput} (the same shape): LayerNorm(dense(h) + residual), BERT's post-norm
 * residual step after attention and after the MLP.
 */
public final class BertResidualOutput extends Module {
    public BertResidualOutput(int in, int hidden, float eps, float dropout) {
        child("dense", new Linear(in, hidden, true));
        child("LayerNorm", new LayerNorm(hidden, eps));
        child("dropout", new Dropout(dropout));
    }

    public Tensor forward(Tensor h, Tensor residual) {
        Layer dense = childAt("dense"), norm = childAt("LayerNorm"), dropout = childAt("dropout");
        Tensor out = dropout.forward(dense.forward(h));
        // A wrapped dense that is a ResidualJoin (a bottleneck adapter) takes over the residual and LayerNorm step.
        return dense instanceof ResidualJoin j ? j.join(out, residual, norm) : norm.forward(F.add(out, residual));
    }
}
