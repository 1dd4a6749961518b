package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * The sum of all elements, a one-element tensor of shape []. Accumulated in double by the backend. Backward broadcasts
 * dy to x's shape as a stride-0 view (no memory).
 */
final class Sum implements GradFn {
    private final Tensor x;

    private Sum(Tensor x) { this.x = x; }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().scalar((float) x.backend().sumAll(x));
        if (Autograd.shouldRecord(x)) Autograd.record(out, new Sum(x));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {expand(g, x.shape())}; }

    /**
     * A read-only view of {@code g} broadcast to {@code shape}: dimensions of size 1 (and missing leading ones) get
     * stride 0, as NumPy's broadcast_to.
     */
    static Tensor expand(Tensor g, int[] shape) {
        int[] gs = g.shape(), gst = g.strides();
        if (gs.length > shape.length) throw new IllegalArgumentException("cannot expand " + g + " to fewer dimensions");
        int[] strides = new int[shape.length];
        int lead = shape.length - gs.length;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) continue;
            int d = gs[i - lead];
            if (d == shape[i]) strides[i] = gst[i - lead];
            else if (d != 1) throw new IllegalArgumentException("cannot expand " + g + " to " + java.util.Arrays.toString(shape));
        }
        return new Tensor(g.storage(), shape, strides, g.offset());
    }
}
