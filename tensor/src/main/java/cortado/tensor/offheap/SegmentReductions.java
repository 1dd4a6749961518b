package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.seg;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whole-tensor sums over off-heap memory with long indices: blocks of {@link #BLOCK} elements summed in float SIMD
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
