package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = 1 / (1 + e^-x). Backward: dx = dy y (1 - y) = dy y - (dy y) y, from the saved output. */
final class Sigmoid implements GradFn {
    private final Tensor x, y;

    private Sigmoid(Tensor x, Tensor y) {
        this.x = x;
        this.y = y;
    }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().sigmoid(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Sigmoid(x, out.detach()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor gy = be.mul(g, y);
        return new Tensor[] {be.sub(gy, be.mul(gy, y))};
    }
}
