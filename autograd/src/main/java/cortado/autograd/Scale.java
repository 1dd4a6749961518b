package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** y = x * s for a constant s (also negation, s = -1). Backward: dx = dy * s. */
final class Scale implements GradFn {
    private final Tensor x;
    private final float s;

    private Scale(Tensor x, float s) {
        this.x = x;
        this.s = s;
    }

    static Tensor apply(Tensor x, float s) {
        Tensor out = x.backend().scale(x, s);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Scale(x, s));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().scale(g, s)}; }
}
