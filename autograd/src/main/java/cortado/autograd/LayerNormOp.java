package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * LayerNorm over the last dimension (Ba et al. 2016): y = (x - mean) * rstd * weight + bias. The forward pass keeps the
 * per-row mean and rstd, so backward (as llm.c's layernorm_backward) needs no second pass over the statistics.
 */
final class LayerNormOp implements GradFn {
    private final Tensor x, weight, bias, mean, rstd;

    private LayerNormOp(Tensor x, Tensor weight, Tensor bias, Tensor mean, Tensor rstd) {
        this.x = x;
        this.weight = weight;
        this.bias = bias;
        this.mean = mean;
        this.rstd = rstd;
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias, float eps) {
        int c = x.size(-1);
        if (weight.rank() != 1 || weight.size(0) != c)
            throw new IllegalArgumentException("layerNorm weight must be [" + c + "], got " + weight);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != c))
            throw new IllegalArgumentException("layerNorm bias must be [" + c + "], got " + bias);
        Backend.NormResult r = x.backend().layerNorm(x, weight, bias, eps);
        if (Autograd.shouldRecord(x, weight, bias))
            Autograd.record(r.out(), new LayerNormOp(x, weight, bias, r.mean(), r.rstd()));
        return r.out();
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend.NormGrads d = g.backend().layerNormBackward(g, x, weight, mean, rstd);
        Tensor dx = x.requiresGrad() ? d.dx() : null;
        Tensor dw = weight.requiresGrad() ? d.dweight() : null;
        if (bias == null) return new Tensor[] {dx, dw};
        return new Tensor[] {dx, dw, bias.requiresGrad() ? d.dbias() : null};
    }
}
