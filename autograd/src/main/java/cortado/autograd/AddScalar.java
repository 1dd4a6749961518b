package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = x + s for a constant s. Backward: dx = dy (passed through, not copied). */
final class AddScalar implements GradFn {
    private final Tensor x;

    private AddScalar(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x, float s) {
        Tensor out = x.backend().addScalar(x, s);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new AddScalar(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g}; }
}
