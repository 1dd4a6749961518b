package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/** RMSNorm over the last dimension (Zhang &amp; Sennrich 2019), as Llama uses it: x / sqrt(mean(x^2) + eps) * weight. */
public final class RMSNorm extends Module implements Layer {
    private final float eps;
    private final Parameter weight;

    public RMSNorm(int dim, float eps) {
        this.eps = eps;
        this.weight = param("weight", Backends.cpu().full(1f, dim));
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.rmsNorm(x, weight.value(), eps);
    }

    public Parameter weight() { return weight; }

    public float eps() { return eps; }
}
