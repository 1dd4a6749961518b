package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Elements [start, end) along one dimension (a view). Backward writes dy into that window of a zero gradient. */
final class Slice implements GradFn {
    private final Tensor x;
    private final int dim, start, end;

    private Slice(Tensor x, int dim, int start, int end) {
        this.x = x;
        this.dim = dim;
        this.start = start;
        this.end = end;
    }

    static Tensor apply(Tensor x, int dim, int start, int end) {
        Tensor out = x.slice(dim, start, end);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Slice(x, dim, start, end));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Tensor dx = x.zerosLike();
        g.backend().copyInto(dx.slice(dim, start, end), g);
        return new Tensor[] {dx};
    }
}
