package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Swaps two dimensions (a view). Backward swaps them back (again a view). */
final class Transpose implements GradFn {
    private final Tensor x;
    private final int a, b;

    private Transpose(Tensor x, int a, int b) {
        this.x = x;
        this.a = a;
        this.b = b;
    }

    static Tensor apply(Tensor x, int a, int b) {
        Tensor out = x.transpose(a, b);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Transpose(x, a, b));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.transpose(a, b)}; }
}
