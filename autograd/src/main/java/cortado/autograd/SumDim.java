package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Sum along one dimension, kept as size 1 when keepDim. Backward broadcasts dy back along that dimension. */
final class SumDim implements GradFn {
    private final Tensor x;
    private final int dim;
    private final boolean keepDim;

    private SumDim(Tensor x, int dim, boolean keepDim) {
        this.x = x;
        this.dim = dim;
        this.keepDim = keepDim;
    }

    static Tensor apply(Tensor x, int dim, boolean keepDim) {
        int axis = x.axis(dim);
        Tensor out = x.backend().sum(x, axis, keepDim);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new SumDim(x, axis, keepDim));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Tensor gk = g;
        if (!keepDim) {
            int[] s = x.shape();
            s[dim] = 1;
            gk = g.reshape(s);
        }
        return new Tensor[] {Sum.expand(gk, x.shape())};
    }
}
