package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/** LayerNorm over the last dimension (Ba, Kiros &amp; Hinton 2016): (x - mean) / sqrt(var + eps) * weight + bias. */
public final class LayerNorm extends Module implements Layer {
    private final float eps;
    private final Parameter weight, bias;

    public LayerNorm(int dim, float eps) {
        this.eps = eps;
        this.weight = param("weight", Backends.cpu().full(1f, dim));
        this.bias = param("bias", Backends.cpu().zeros(dim));
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight.value(), bias.value(), eps);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    public float eps() { return eps; }
}
