package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** A contiguous copy of a view (or the same memory when already contiguous). The gradient passes through. */
final class Contiguous implements GradFn {
    private final Tensor x;

    private Contiguous(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        if (!Autograd.shouldRecord(x)) return x.contiguous();
        // A new tensor object even when no copy is needed, so the graph node does not overwrite x's own history.
        Tensor out = x.isContiguous() ? x.detach() : x.backend().copy(x);
        return Autograd.record(out, new Contiguous(x));
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g}; }
}
