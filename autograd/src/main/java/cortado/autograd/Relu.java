package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** ReLU y = max(x, 0). Backward: dx = dy where x &gt; 0, else 0, computed by the backend from the saved input. */
final class Relu implements GradFn {
    private final Tensor x;

    private Relu(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().relu(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Relu(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().reluBackward(g, x)}; }
}
