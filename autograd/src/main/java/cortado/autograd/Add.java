package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = a + b with NumPy broadcasting. Backward: dy summed back to each input's shape. */
final class Add implements GradFn {
    private final Tensor a, b;

    private Add(Tensor a, Tensor b) {
        this.a = a;
        this.b = b;
    }

    static Tensor apply(Tensor a, Tensor b) {
        Tensor out = a.backend().add(a, b);
        if (Autograd.shouldRecord(a, b)) Autograd.record(out, new Add(a, b));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        return new Tensor[] {
                a.requiresGrad() ? reduce(be, g, a) : null,
                b.requiresGrad() ? reduce(be, g, b) : null};
    }

    /** The gradient of a broadcast input: summed over the dimensions it was broadcast along. */
    static Tensor reduce(Backend be, Tensor g, Tensor input) {
        return g.sameShape(input) ? g : be.sumToShape(g, input.shape());
    }
}
