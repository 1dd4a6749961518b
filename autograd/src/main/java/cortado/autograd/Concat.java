package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

import java.util.Arrays;

/** Joins tensors along one dimension. Backward hands each input its window of dy (views, no copies). */
final class Concat implements GradFn {
    private final Tensor[] xs;
    private final int dim;

    private Concat(Tensor[] xs, int dim) {
        this.xs = xs;
        this.dim = dim;
    }

    static Tensor apply(int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat of no tensors");
        int axis = xs[0].axis(dim);
        int[] shape = xs[0].shape();
        int total = 0;
        for (Tensor x : xs) {
            int[] s = x.shape();
            if (s.length != shape.length) throw new IllegalArgumentException("concat: ranks differ: " + Arrays.toString(xs));
            for (int i = 0; i < s.length; i++)
                if (i != axis && s[i] != shape[i])
                    throw new IllegalArgumentException("concat along " + dim + ": shapes differ off that axis: " + Arrays.toString(xs));
            total += s[axis];
        }
        shape[axis] = total;
        Backend be = xs[0].backend();
        Tensor out = be.zeros(shape);
        int off = 0;
        for (Tensor x : xs) {
            be.copyInto(out.slice(axis, off, off + x.size(axis)), x);
            off += x.size(axis);
        }
        if (Autograd.shouldRecord(xs)) Autograd.record(out, new Concat(xs.clone(), axis));
        return out;
    }

    @Override public Tensor[] inputs() { return xs.clone(); }

    @Override
    public Tensor[] backward(Tensor g) {
        Tensor[] grads = new Tensor[xs.length];
        int off = 0;
        for (int i = 0; i < xs.length; i++) {
            int n = xs[i].size(dim);
            if (xs[i].requiresGrad()) grads[i] = g.slice(dim, off, off + n);
            off += n;
        }
        return grads;
    }
}
