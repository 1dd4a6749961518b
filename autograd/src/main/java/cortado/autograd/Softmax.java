package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Softmax over the last dimension. Backward: dx = y (dy - sum(dy y)), from the saved output. */
final class Softmax implements GradFn {
    private final Tensor x, y;

    private Softmax(Tensor x, Tensor y) {
        this.x = x;
        this.y = y;
    }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().softmax(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Softmax(x, out.detach()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().softmaxBackward(g, y)}; }
}
