package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.ReducedShape;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions over off-heap memory with long indices: sum and max along one dimension, the sum down to a broadcast
 * shape (the backward of broadcasting), and whole-tensor sums. Along a dimension, an item is an (outer index, column
 * range) and accumulates whole rows of its columns in order, so no two threads write one element and the bits do not
 * depend on the thread count. Whole-tensor sums: blocks of {@link #BLOCK} elements summed in float SIMD
 * lanes, each block's lanes added in a fixed order into a double, the block sums added in groups fixed by the size and the
 * groups in order, so the result
 * has the same bits on any thread count.
 */
final class SegmentReductions {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();
    static final int BLOCK = 1024;
    private static final int GROUP = 64;

    private SegmentReductions() {}

    /** Sum (or max) along {@code dim}; the dimension is kept with size 1 when {@code keepDim}. */
    static Tensor reduce(Tensor a, int dim, boolean keepDim, boolean isMax) {
        int d = a.axis(dim);
        int[] shape = a.shape();
        int n = shape[d];
        if (isMax && n == 0) throw new IllegalArgumentException("max over an empty dimension of " + Arrays.toString(shape));
        ReducedShape r = ReducedShape.of(shape, d, keepDim);
        long outer = r.outer(), inner = r.inner();
        int[] outShape = r.out();
        Tensor out = OffHeapBackend.zeroed(outShape);
        Tensor c = a.contiguous();
        MemorySegment x = seg(c), z = seg(out);
        long xo = c.offsetLong(), in = inner;
        if (inner == 1) {
            SegmentKernels.rows(outer, n, (from, to) -> {
                for (long o = from; o < to; o++)
                    put(z, o, isMax ? SegmentSoftmax.rowMax(x, xo + o * n, n) : rowSum(x, xo + o * n, n));
            });
            return out;
        }
        int width = (int) Math.max(L, Math.min(in, (8192 / Math.max(1, n)) / L * L));
        long pieces = (in + width - 1) / width, items = outer * pieces;
        SegmentKernels.rows(items, n * width, (from, to) -> {
            for (long item = from; item < to; item++) {
                long o = item / pieces, c0 = (item % pieces) * width, zo = o * in + c0, base = xo + o * n * in + c0;
                int w = (int) Math.min(width, in - c0), bound = S.loopBound(w);
                if (isMax) MemorySegment.copy(x, base * 4, z, zo * 4, (long) w * 4);
                for (int j = isMax ? 1 : 0; j < n; j++) {
                    long xr = base + j * in;
                    int i = 0;
                    for (; i < bound; i += L)
                        store(isMax ? load(z, zo + i).max(load(x, xr + i)) : load(z, zo + i).add(load(x, xr + i)), z, zo + i);
                    for (; i < w; i++)
                        put(z, zo + i, isMax ? Math.max(get(z, zo + i), get(x, xr + i)) : get(z, zo + i) + get(x, xr + i));
                }
            }
        });
        return out;
    }

    /**
     * Sums {@code a} down to {@code shape}, which must broadcast to a's shape: the leading dimensions {@code shape}
     * lacks are merged into one and summed, then each dimension where {@code shape} has 1 (PyTorch's sum_to_size).
     */
    static Tensor sumToShape(Tensor a, int[] shape) {
        int[] as = a.shape();
        if (!Arrays.equals(SegmentKernels.broadcastShape(shape, as), as))
            throw new IllegalArgumentException("sumToShape: " + Arrays.toString(shape) + " does not broadcast to "
                    + Arrays.toString(as));
        Tensor t = a;
        int lead = as.length - shape.length;
        if (lead > 0) {
            int[] merged = new int[shape.length + 1];
            long rows = 1;
            for (int i = 0; i < lead; i++) rows *= as[i];
            merged[0] = Math.toIntExact(rows);
            System.arraycopy(as, lead, merged, 1, shape.length);
            t = reduce(a.reshape(merged), 0, false, false);
        }
        for (int d = 0; d < shape.length; d++)
            if (shape[d] == 1 && t.size(d) != 1) t = reduce(t, d, true, false);
        return t == a ? OffHeapBackend.copyOf(a) : t;
    }

    /** Sum of {@code n} elements from {@code off}: float lanes, then the lanes in order, then the tail. */
    static float rowSum(MemorySegment x, long off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) acc = acc.add(load(x, off + i));
        float s = SegmentKernels.laneSum(acc);
        for (; i < n; i++) s += get(x, off + i);
        return s;
    }

    /** Sum (or sum of squares) of every element, in double. */
    static double sumAll(Tensor a, boolean squares) {
        Tensor c = a.contiguous();
        MemorySegment x = seg(c);
        long xo = c.offsetLong(), n = c.numelLong();
        long blocks = (n + BLOCK - 1) / BLOCK;
        if (blocks == 0) return 0;
        // Block sums are added in groups of GROUP blocks fixed by n alone, then the groups in order.
        int groups = Math.toIntExact((blocks + GROUP - 1) / GROUP);
        double[] partial = new double[groups];
        int chunks = Math.min(groups, Parallel.threads() * 4);
        Parallel.forEach(chunks, k -> {
            for (int g = (int) ((long) groups * k / chunks), end = (int) ((long) groups * (k + 1) / chunks); g < end; g++) {
                double s = 0;
                for (long b = (long) g * GROUP, last = Math.min(blocks, b + GROUP); b < last; b++)
                    s += block(x, xo + b * BLOCK, (int) Math.min(BLOCK, n - b * BLOCK), squares);
                partial[g] = s;
            }
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    /** One block's sum: float lanes, then lane by lane into a double, then the scalar tail. */
    static double block(MemorySegment x, long start, int len, boolean squares) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, bound = S.loopBound(len);
        if (squares) {
            for (; i < bound; i += L) {
                FloatVector v = load(x, start + i);
                acc = v.fma(v, acc);
            }
        } else {
            for (; i < bound; i += L) acc = acc.add(load(x, start + i));
        }
        double s = 0;
        for (int l = 0; l < L; l++) s += acc.lane(l);
        for (; i < len; i++) {
            float v = get(x, start + i);
            s += squares ? (double) v * v : v;
        }
        return s;
    }
}
