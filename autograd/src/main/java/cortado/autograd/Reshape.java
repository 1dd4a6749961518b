package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Same elements in a new shape (a view when x is contiguous). Backward reshapes dy back to x's shape. */
final class Reshape implements GradFn {
    private final Tensor x;

    private Reshape(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x, int... shape) {
        Tensor out = x.reshape(shape);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Reshape(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.reshape(x.shape())}; }
}
