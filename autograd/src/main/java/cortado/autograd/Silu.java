package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** SiLU x * sigmoid(x) (Llama's SwiGLU gate). Backward: dx = dy s (1 + x (1 - s)), computed by the backend. */
final class Silu implements GradFn {
    private final Tensor x;

    private Silu(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().silu(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Silu(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().siluBackward(g, x)}; }
}
