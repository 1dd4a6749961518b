package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Tensor;
import cortado.tensor.cpu.VectorExp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax over the last dimension with their backwards, on off-heap memory with long row offsets:
 * y = exp(x - max) / sum, log y = x - (max + log sum); dx = y (dy - sum(dy y)) and dx = dy - exp(y) sum(dy). Rows are
 * independent, so any split over threads gives the same bits.
 */
final class SegmentSoftmax {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentSoftmax() {}

    static Tensor forward(Tensor x, boolean log) {
        if (x.rank() == 0) throw new IllegalArgumentException("softmax of a 0-dimensional tensor");
        Tensor c = x.contiguous();
        Tensor out = OffHeapBackend.empty(x.shape());
        int n = x.size(-1);
        long rows = n == 0 ? 0 : out.numelLong() / n;
        MemorySegment a = seg(c), y = seg(out);
        long ao = c.offsetLong();
        int bound = S.loopBound(n);
        SegmentKernels.rows(rows, n, (from, to) -> {
            for (long r = from; r < to; r++) {
                long xr = ao + r * n, yr = r * n;
                float max = rowMax(a, xr, n);
                FloatVector vmax = FloatVector.broadcast(S, max), acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector e = VectorExp.exp(load(a, xr + i).sub(vmax));
                    acc = acc.add(e);
                    if (!log) store(e, y, yr + i);
                }
                float sum = SegmentKernels.laneSum(acc);
                for (; i < n; i++) {
                    float e = VectorExp.exp(get(a, xr + i) - max);
                    sum += e;
                    if (!log) put(y, yr + i, e);
                }
                if (log) {
                    float shift = max + (float) StrictMath.log(sum);
                    FloatVector vs = FloatVector.broadcast(S, shift);
                    for (i = 0; i < bound; i += L) store(load(a, xr + i).sub(vs), y, yr + i);
                    for (; i < n; i++) put(y, yr + i, get(a, xr + i) - shift);
                } else {
                    float inv = 1f / sum;
                    for (i = 0; i < bound; i += L) store(load(y, yr + i).mul(inv), y, yr + i);
                    for (; i < n; i++) put(y, yr + i, get(y, yr + i) * inv);
                }
            }
        });
        return out;
    }

    static Tensor backward(Tensor dy, Tensor y, boolean log) {
        if (!dy.sameShape(y))
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(dy.shape()) + " differs from output "
                    + Arrays.toString(y.shape()));
        Tensor g = dy.contiguous(), c = y.contiguous();
        Tensor out = OffHeapBackend.empty(y.shape());
        int n = y.size(-1);
        long rows = n == 0 ? 0 : out.numelLong() / n;
        MemorySegment d = seg(g), a = seg(c), z = seg(out);
        long go = g.offsetLong(), ao = c.offsetLong();
        int bound = S.loopBound(n);
        SegmentKernels.rows(rows, n, (from, to) -> {
            for (long r = from; r < to; r++) {
                long gr = go + r * n, yr = ao + r * n, zr = r * n;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) acc = log ? acc.add(load(d, gr + i)) : load(d, gr + i).fma(load(a, yr + i), acc);
                float dot = SegmentKernels.laneSum(acc);
                for (; i < n; i++) dot += log ? get(d, gr + i) : get(d, gr + i) * get(a, yr + i);
                FloatVector vdot = FloatVector.broadcast(S, dot);
                for (i = 0; i < bound; i += L)
                    store(log ? load(d, gr + i).sub(VectorExp.exp(load(a, yr + i)).mul(vdot))
                            : load(d, gr + i).sub(vdot).mul(load(a, yr + i)), z, zr + i);
                for (; i < n; i++)
                    put(z, zr + i, log ? get(d, gr + i) - VectorExp.exp(get(a, yr + i)) * dot
                            : get(a, yr + i) * (get(d, gr + i) - dot));
            }
        });
        return out;
    }

    /** The largest of {@code n} elements from {@code off} (-inf for none). */
    static float rowMax(MemorySegment x, long off, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) m = m.max(load(x, off + i));
        float max = m.reduceLanes(VectorOperators.MAX);   // max is exact in any order
        for (; i < n; i++) max = Math.max(max, get(x, off + i));
        return max;
    }
}
