package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = a - b with broadcasting. Backward: da = dy, db = -dy, each summed back to its input's shape. */
final class Sub implements GradFn {
    private final Tensor a, b;

    private Sub(Tensor a, Tensor b) {
        this.a = a;
        this.b = b;
    }

    static Tensor apply(Tensor a, Tensor b) {
        Tensor out = a.backend().sub(a, b);
        if (Autograd.shouldRecord(a, b)) Autograd.record(out, new Sub(a, b));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        return new Tensor[] {
                a.requiresGrad() ? Add.reduce(be, g, a) : null,
                b.requiresGrad() ? be.scale(Add.reduce(be, g, b), -1f) : null};
    }
}
