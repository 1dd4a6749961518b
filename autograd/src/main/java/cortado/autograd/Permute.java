package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Reorders dimensions (a view): out dim i is x dim order[i]. Backward applies the inverse permutation. */
final class Permute implements GradFn {
    private final Tensor x;
    private final int[] inverse;

    private Permute(Tensor x, int[] inverse) {
        this.x = x;
        this.inverse = inverse;
    }

    static Tensor apply(Tensor x, int... order) {
        Tensor out = x.permute(order);
        if (Autograd.shouldRecord(x)) {
            int[] inv = new int[order.length];
            for (int i = 0; i < order.length; i++) inv[x.axis(order[i])] = i;
            Autograd.record(out, new Permute(x, inv));
        }
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.permute(inverse)}; }
}
