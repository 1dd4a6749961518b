package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import cortado.tensor.linalg.SparseIfft2;

/**
 * {@code y = Re(ifft2(X))} [M, N], X zero but for {@code X[rows[j], cols[j]] = values[j]} (values [n]): FourierFT's
 * delta weight before scaling. Backward: the transform is linear and self-adjoint on real inputs, so
 * {@code dvalues[j] = Re(ifft2(dy))[rows[j], cols[j]]} ({@link SparseIfft2#realInverseAdjoint}).
 */
final class SpectrumIfft2 implements GradFn {
    private final Tensor values;
    private final int[] rows, cols;
    private final int m, n;

    private SpectrumIfft2(Tensor values, int[] rows, int[] cols, int m, int n) {
        this.values = values;
        this.rows = rows;
        this.cols = cols;
        this.m = m;
        this.n = n;
    }

    static Tensor apply(Tensor values, int[] rows, int[] cols, int m, int n) {
        if (values.rank() != 1) throw new IllegalArgumentException("spectrum values must be [n], got " + values);
        float[] v = values.backend().toArray(values);
        Tensor out = values.backend().zeros(m, n);   // from the step's pool inside an arena
        values.backend().writeHost(out, (data, off, len) -> SparseIfft2.realInverse(v, rows, cols, m, n, data, off));
        if (Autograd.shouldRecord(values))
            Autograd.record(out, new SpectrumIfft2(values, rows.clone(), cols.clone(), m, n));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {values}; }

    @Override
    public Tensor[] backward(Tensor g) {
        float[][] d = new float[1][];
        g.backend().readHost(g, (data, off, len) -> d[0] = SparseIfft2.realInverseAdjoint(data, off, rows, cols, m, n));
        return new Tensor[] {g.backend().fromArray(d[0], rows.length)};
    }
}
