package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = tanh x. Backward: dx = dy (1 - y^2) = dy - (dy y) y, from the saved output. */
final class Tanh implements GradFn {
    private final Tensor x, y;

    private Tanh(Tensor x, Tensor y) {
        this.x = x;
        this.y = y;
    }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().tanh(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Tanh(x, out.detach()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        return new Tensor[] {be.sub(g, be.mul(be.mul(g, y), y))};
    }
}
