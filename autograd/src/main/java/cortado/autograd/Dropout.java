package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * Inverted dropout with the mask a pure function of ({@code key}, element index): y = x * m / (1 - p). Backward:
 * dx = dy * m / (1 - p), the same kernel call on dy with the same key, so no mask is stored.
 */
final class Dropout implements GradFn {
    private final Tensor x;
    private final float p;
    private final long key;

    private Dropout(Tensor x, float p, long key) {
        this.x = x;
        this.p = p;
        this.key = key;
    }

    static Tensor apply(Tensor x, float p, long key) {
        Tensor out = x.backend().dropout(x, p, key);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Dropout(x, p, key));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().dropout(g, p, key)}; }
}
