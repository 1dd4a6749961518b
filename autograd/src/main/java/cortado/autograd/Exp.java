package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = e^x. Backward: dx = dy * y, so only the output is saved. */
final class Exp implements GradFn {
    private final Tensor x, y;

    private Exp(Tensor x, Tensor y) {
        this.x = x;
        this.y = y;
    }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().exp(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Exp(x, out.detach()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().mul(g, y)}; }
}
