package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Exact GELU, x Phi(x) with erf (BERT's "gelu"); forward and derivative live side by side in the backend's kernel. */
final class GeluErf implements GradFn {
    private final Tensor x;

    private GeluErf(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().geluErf(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new GeluErf(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().geluErfBackward(g, x)}; }
}
