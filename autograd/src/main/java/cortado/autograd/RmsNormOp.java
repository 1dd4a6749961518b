package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * RMSNorm over the last dimension (Zhang & Sennrich 2019; Llama): y = x * rstd * weight, rstd = 1/sqrt(mean(x^2)+eps).
 * Saves only the per-row rstd for backward.
 */
final class RmsNormOp implements GradFn {
    private final Tensor x, weight, rstd;

    private RmsNormOp(Tensor x, Tensor weight, Tensor rstd) {
        this.x = x;
        this.weight = weight;
        this.rstd = rstd;
    }

    static Tensor apply(Tensor x, Tensor weight, float eps) {
        int c = x.size(-1);
        if (weight.rank() != 1 || weight.size(0) != c)
            throw new IllegalArgumentException("rmsNorm weight must be [" + c + "], got " + weight);
        Backend.NormResult r = x.backend().rmsNorm(x, weight, eps);
        if (Autograd.shouldRecord(x, weight)) Autograd.record(r.out(), new RmsNormOp(x, weight, r.rstd()));
        return r.out();
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x, weight}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend.NormGrads d = g.backend().rmsNormBackward(g, x, weight, rstd);
        return new Tensor[] {x.requiresGrad() ? d.dx() : null, weight.requiresGrad() ? d.dweight() : null};
    }
}
