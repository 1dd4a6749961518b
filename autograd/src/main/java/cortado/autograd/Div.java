package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * y = a / b elementwise with broadcasting. Backward: da = dy / b and db = -dy * a / b^2 = -(dy * y) / b, reusing the
 * output instead of squaring b.
 */
final class Div implements GradFn {
    private final Tensor a, b, y;

    private Div(Tensor a, Tensor b, Tensor y) {
        this.a = a;
        this.b = b;
        this.y = y;
    }

    static Tensor apply(Tensor a, Tensor b) {
        Tensor out = a.backend().div(a, b);
        if (Autograd.shouldRecord(a, b)) Autograd.record(out, new Div(a, b, b.requiresGrad() ? out.detach() : null));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor da = a.requiresGrad() ? Add.reduce(be, be.div(g, b), a) : null;
        Tensor db = null;
        if (b.requiresGrad()) {
            Tensor t = be.div(be.mul(g, y), b);
            be.scaleInPlace(t, -1f);
            db = Add.reduce(be, t, b);
        }
        return new Tensor[] {da, db};
    }
}
