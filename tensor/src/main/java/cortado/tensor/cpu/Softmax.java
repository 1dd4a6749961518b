package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax along the last dimension, max-subtracted for stability, with their backwards:
 * softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy). One row per task item.
 */
final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Softmax() {}

    static Tensor softmax(Tensor x) { return forward(x, false); }

    static Tensor logSoftmax(Tensor x) { return forward(x, true); }

    private static Tensor forward(Tensor x, boolean log) {
        if (x.rank() == 0) throw new IllegalArgumentException("softmax of a 0-dimensional tensor");
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(x.shape());
        int n = x.size(-1);
        int rows = n == 0 ? 0 : out.numel() / n;
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, n)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = ao + r * n, yr = r * n;
                float max = Reductions.rowMax(a, xr, n);
                FloatVector vmax = FloatVector.broadcast(S, max);
                // y = exp(x - max); sum
                FloatVector acc = FloatVector.zero(S);
                int i = 0, bound = S.loopBound(n);
                for (; i < bound; i += L) {
                    FloatVector e = VectorExp.exp(FloatVector.fromArray(S, a, xr + i).sub(vmax));
                    acc = acc.add(e);
                    if (!log) e.intoArray(y, yr + i);
                }
                float sum = Lanes.sum(acc);
                for (; i < n; i++) {
                    float e = VectorExp.exp(a[xr + i] - max);
                    sum += e;
                    if (!log) y[yr + i] = e;
                }
                if (log) {
                    float shift = max + (float) StrictMath.log(sum);
                    FloatVector vs = FloatVector.broadcast(S, shift);
                    for (i = 0; i < bound; i += L) FloatVector.fromArray(S, a, xr + i).sub(vs).intoArray(y, yr + i);
                    for (; i < n; i++) y[yr + i] = a[xr + i] - shift;
                } else {
                    float inv = 1f / sum;
                    for (i = 0; i < bound; i += L) FloatVector.fromArray(S, y, yr + i).mul(inv).intoArray(y, yr + i);
                    for (; i < n; i++) y[yr + i] *= inv;
                }
            }
        });
        return out;
    }

    /** dx = y * (dy - sum(dy * y)). */
    static Tensor softmaxBackward(Tensor dy, Tensor y) { return backward(dy, y, false); }

    /** dx = dy - exp(y) * sum(dy). */
    static Tensor logSoftmaxBackward(Tensor dy, Tensor y) { return backward(dy, y, true); }

    private static Tensor backward(Tensor dy, Tensor y, boolean log) {
        Activations.check(dy, y);
        Tensor g = dy.contiguous(), c = y.contiguous();
        Tensor out = Tensor.zeros(y.shape());
        int n = y.size(-1);
        int rows = n == 0 ? 0 : out.numel() / n;
        float[] d = g.data(), a = c.data(), z = out.data();
        int go = g.offset(), ao = c.offset();
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, n)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int gr = go + r * n, yr = ao + r * n, zr = r * n;
                int i, bound = S.loopBound(n);
                float dot;
                if (log) {
                    dot = Reductions.rowSum(d, gr, n);
                } else {
                    FloatVector acc = FloatVector.zero(S);
                    for (i = 0; i < bound; i += L)
                        acc = FloatVector.fromArray(S, d, gr + i).fma(FloatVector.fromArray(S, a, yr + i), acc);
                    dot = Lanes.sum(acc);
                    for (; i < n; i++) dot += d[gr + i] * a[yr + i];
                }
                FloatVector vdot = FloatVector.broadcast(S, dot);
                if (log) {
                    for (i = 0; i < bound; i += L)
                        FloatVector.fromArray(S, d, gr + i)
                                .sub(VectorExp.exp(FloatVector.fromArray(S, a, yr + i)).mul(vdot))
                                .intoArray(z, zr + i);
                } else {
                    for (i = 0; i < bound; i += L)
                        FloatVector.fromArray(S, d, gr + i).sub(vdot).mul(FloatVector.fromArray(S, a, yr + i))
                                .intoArray(z, zr + i);
                }
                for (; i < n; i++)
                    z[zr + i] = log ? d[gr + i] - VectorExp.exp(a[yr + i]) * dot : a[yr + i] * (d[gr + i] - dot);
            }
        });
        return out;
    }
}
