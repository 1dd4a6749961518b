package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import cortado.tensor.linalg.BatchedInverse;

/**
 * Y = A^-1 over the last two dimensions (a batch of square matrices), computed on the host in double
 * ({@link BatchedInverse}); meant for small blocks. Backward: from d(A^-1) = -A^-1 dA A^-1, dA = -Y^T dY Y^T.
 */
final class Inverse implements GradFn {
    private final Tensor a, y;

    private Inverse(Tensor a, Tensor y) {
        this.a = a;
        this.y = y;
    }

    static Tensor apply(Tensor a) {
        int[] shape = a.shape();
        int r = shape.length;
        if (r < 2 || shape[r - 1] != shape[r - 2])
            throw new IllegalArgumentException("inverse needs square matrices in the last two dimensions, got "
                    + java.util.Arrays.toString(shape));
        int n = shape[r - 1], count = a.numel() / (n * n);
        float[] f = a.contiguous().toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        double[] inv = BatchedInverse.invert(d, count, n);
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) out[i] = (float) inv[i];
        Tensor y = a.backend().fromArray(out, shape);
        if (Autograd.shouldRecord(a)) Autograd.record(y, new Inverse(a, y.detach()));
        return y;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {a}; }

    @Override
    public Tensor[] backward(Tensor g) {
        Backend be = g.backend();
        Tensor t = be.matmul(y, g, true, false);                   // Y^T dY
        return new Tensor[] {be.scale(be.matmul(t, y, false, true), -1f)};
    }
}
