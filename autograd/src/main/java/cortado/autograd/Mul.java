package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = a * b elementwise with broadcasting. Backward: da = dy * b, db = dy * a, each summed back to its shape. */
final class Mul implements GradFn {
    private final Tensor a, b;

    private Mul(Tensor a, Tensor b) {
        this.a = a;
        this.b = b;
    }

    static Tensor apply(Tensor a, Tensor b) {
        Tensor out = a.backend().mul(a, b);
        if (Autograd.shouldRecord(a, b)) Autograd.record(out, new Mul(a, b));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        return new Tensor[] {
                a.requiresGrad() ? Add.reduce(be, be.mul(g, b), a) : null,
                b.requiresGrad() ? Add.reduce(be, be.mul(g, a), b) : null};
    }
}
