package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = ln x. Backward: dx = dy / x. */
final class Log implements GradFn {
    private final Tensor x;

    private Log(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().log(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Log(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().div(g, x)}; }
}
