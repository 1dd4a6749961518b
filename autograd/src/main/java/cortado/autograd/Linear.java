package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * y = x @ W^T + b with x [..., in], W [out, in] (nn.Linear's layout), b [out] or absent.
 *
 * <p>The leading dimensions are folded into rows, so the forward pass is one [N, in] x [out, in]^T product (a view, no
 * copy, for a contiguous x). Backward: dX = dY W ([N,out] x [out,in]), dW = dY^T X ([out,N] x [N,in]), db = column sums
 * of dY.
 */
final class Linear implements GradFn {
    private final Tensor x, weight, bias;
    private final Tensor x2; // x as [N, in] rows

    private Linear(Tensor x, Tensor weight, Tensor bias, Tensor x2) {
        this.x = x;
        this.weight = weight;
        this.bias = bias;
        this.x2 = x2;
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("linear weight must be [out, in], got " + weight);
        int in = weight.size(1), outF = weight.size(0);
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException("linear: input " + x + " does not end in " + in + " features of " + weight);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != outF))
            throw new IllegalArgumentException("linear bias must be [" + outF + "], got " + bias);
        Backend be = x.backend();
        Tensor x2 = x.reshape(-1, in);
        Tensor y2 = be.matmul(x2, weight, false, true);
        if (bias != null) y2 = be.add(y2, bias);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outF;
        Tensor y = y2.reshape(outShape);
        if (Autograd.shouldRecord(x, weight, bias)) Autograd.record(y, new Linear(x, weight, bias, x2.detach()));
        return y;
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor g2 = g.reshape(-1, weight.size(0));
        Tensor dx = x.requiresGrad() ? be.matmul(g2, weight, false, false).reshape(x.shape()) : null;
        Tensor dw = weight.requiresGrad() ? be.matmul(g2, x2, true, false) : null;
        if (bias == null) return new Tensor[] {dx, dw};
        Tensor db = bias.requiresGrad() ? be.sum(g2, 0, false) : null;
        return new Tensor[] {dx, dw, db};
    }
}
