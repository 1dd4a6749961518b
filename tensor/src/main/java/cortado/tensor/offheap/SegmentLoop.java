package cortado.tensor.offheap;

import cortado.tensor.Parallel;
import java.util.Arrays;

/**
 * Walks the elements of up to three strided operands of one (broadcast) shape with long offsets and strides, row by
 * row, so a kernel sees only a 1-D inner loop of at most {@link #PIECE} elements: the off-heap counterpart of the heap
 * backend's strided walk. Dimensions laid out back to back in every operand are merged first, so a contiguous tensor
 * is one long row (cut into pieces), and pieces are spread over {@link Parallel}'s threads when there is enough work.
 *
 * <p>Pieces start at multiples of {@link #PIECE} along the row, whatever the thread count, so a kernel whose vector
 * body and scalar tail round differently still gives the same bits on every thread count.
 */
final class SegmentLoop {
    /** Elements per piece of a long row, a multiple of every SIMD width; also the least work worth a thread. */
    static final int PIECE = 1 << 15;

    @FunctionalInterface
    interface Row {
        /** Processes {@code len} elements; operand i starts at element {@code oi} and steps by its inner stride. */
        void run(long o0, long o1, long o2, int len);
    }

    private final long[] shape;
    private final long[][] strides;
    private final long[] offsets;

    private SegmentLoop(long[] shape, long[][] strides, long[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
    }

    /** Plans a walk over {@code shape}; strides[i] and offsets[i] describe operand i (a stride 0 repeats elements). */
    static SegmentLoop plan(int[] shape, long[][] strides, long[] offsets) {
        int ops = strides.length;
        long[] sh = new long[Math.max(1, shape.length)];
        long[][] st = new long[ops][sh.length];
        int r = -1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            boolean merge = r >= 0;
            for (int o = 0; o < ops && merge; o++) merge = st[o][r] == strides[o][d] * shape[d];
            if (!merge) r++;
            sh[r] = merge ? sh[r] * shape[d] : shape[d];
            for (int o = 0; o < ops; o++) st[o][r] = strides[o][d];
        }
        if (r < 0) { // every dimension is 1: one element
            sh[0] = 1;
            r = 0;
            for (int o = 0; o < ops; o++) st[o][0] = 1;
        }
        long[][] cut = new long[ops][];
        for (int o = 0; o < ops; o++) cut[o] = Arrays.copyOf(st[o], r + 1);
        return new SegmentLoop(Arrays.copyOf(sh, r + 1), cut, offsets.clone());
    }

    long inner() { return shape[shape.length - 1]; }

    long innerStride(int operand) { return strides[operand][shape.length - 1]; }

    /** Runs {@code body} over every row piece, in parallel when there is enough work. */
    void run(Row body) {
        long inner = inner(), rows = 1;
        for (int d = 0; d < shape.length - 1; d++) rows *= shape[d];
        if (rows * inner == 0) return;
        long pieces = (inner + PIECE - 1) / PIECE;
        long items = rows * pieces;
        long total = rows * inner;
        int chunks = (int) Math.min(items, Math.min((long) Parallel.threads() * 4, Math.max(1, total / PIECE)));
        Parallel.forEach(Math.max(1, chunks), c -> {
            long from = items * c / Math.max(1, chunks), to = items * (c + 1) / Math.max(1, chunks);
            long[] off = new long[3];
            for (long it = from; it < to; it++) {
                long row = it / pieces, piece = it % pieces;
                for (int o = 0; o < offsets.length; o++) off[o] = offsets[o];
                long rem = row;
                for (int d = shape.length - 2; d >= 0; d--) {
                    long idx = rem % shape[d];
                    rem /= shape[d];
                    for (int o = 0; o < offsets.length; o++) off[o] += idx * strides[o][d];
                }
                long start = piece * PIECE;
                int len = (int) Math.min(PIECE, inner - start);
                for (int o = 0; o < offsets.length; o++) off[o] += start * strides[o][shape.length - 1];
                body.run(off[0], off[1], off[2], len);
            }
        });
    }
}
