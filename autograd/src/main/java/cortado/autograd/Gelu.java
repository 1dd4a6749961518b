package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** GELU, tanh approximation (GPT-2's gelu_new); the derivative lives next to the forward kernel in the backend. */
final class Gelu implements GradFn {
    private final Tensor x;

    private Gelu(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().gelu(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Gelu(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().geluBackward(g, x)}; }
}
