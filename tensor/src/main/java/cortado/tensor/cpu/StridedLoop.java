package cortado.tensor.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Walks the elements of up to three strided operands of one (broadcast) shape, row by row, so that kernels only ever
 * see a 1-D inner loop: {@code len} elements starting at one offset per operand, stepping by a fixed inner stride.
 *
 * <p>Adjacent dimensions that are laid out back to back in every operand are merged first (NumPy's "coalescing"), so a
 * contiguous tensor becomes one long row and {@code [N, C] + [C]} becomes N rows of C with the bias row re-read.
 * Long rows are cut into pieces so both cores get work even when there is a single row.
 */
final class StridedLoop {
    /** Elements per parallel piece of a long row. */
    private static final int PIECE = 1 << 15;

    @FunctionalInterface
    interface Row {
        /** Processes {@code len} elements; operand i starts at {@code oi} and steps by its inner stride. */
        void run(int o0, int o1, int o2, int len);
    }

    final int[] shape;      // coalesced, rank >= 1; the last dimension is the inner loop
    final int[][] strides;  // per operand, per coalesced dimension
    final int[] offsets;    // per operand

    private StridedLoop(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
    }

    /** Plans a walk over {@code shape}; strides[i] and offsets[i] describe operand i (a stride 0 repeats elements). */
    static StridedLoop plan(int[] shape, int[][] strides, int[] offsets) {
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) if (shape[d] != 1) dims.add(d);
        int ops = strides.length;
        int[] sh = new int[Math.max(1, dims.size())];
        int[][] st = new int[ops][sh.length];
        if (dims.isEmpty()) {
            sh[0] = 1;
            for (int o = 0; o < ops; o++) st[o][0] = 1;
        } else {
            int r = 0;
            sh[0] = shape[dims.get(0)];
            for (int o = 0; o < ops; o++) st[o][0] = strides[o][dims.get(0)];
            for (int i = 1; i < dims.size(); i++) {
                int d = dims.get(i);
                boolean merge = true;
                for (int o = 0; o < ops; o++) if (st[o][r] != strides[o][d] * shape[d]) { merge = false; break; }
                if (merge) {
                    sh[r] *= shape[d];
                    for (int o = 0; o < ops; o++) st[o][r] = strides[o][d];
                } else {
                    r++;
                    sh[r] = shape[d];
                    for (int o = 0; o < ops; o++) st[o][r] = strides[o][d];
                }
            }
            int rank = r + 1;
            sh = java.util.Arrays.copyOf(sh, rank);
            for (int o = 0; o < ops; o++) st[o] = java.util.Arrays.copyOf(st[o], rank);
        }
        return new StridedLoop(sh, st, offsets.clone());
    }

    int inner() { return shape[shape.length - 1]; }

    int innerStride(int operand) { return strides[operand][shape.length - 1]; }

    long rows() {
        long r = 1;
        for (int d = 0; d < shape.length - 1; d++) r *= shape[d];
        return r;
    }

    /** Runs {@code body} over every row piece, in parallel when there is enough work. */
    void run(Row body) {
        int inner = inner();
        long rows = rows();
        if (rows * inner == 0) return;
        int pieces = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (inner + PIECE - 1) / PIECE));
        long items = rows * pieces;
        int ops = strides.length;
        int rank = shape.length;
        Chunks.range((int) items, Math.max(1, PIECE / inner), (from, to) -> {
            int[] off = new int[3];
            for (int it = from; it < to; it++) {
                long row = it / pieces;
                int piece = it % pieces;
                for (int o = 0; o < ops; o++) off[o] = offsets[o];
                long rem = row;
                for (int d = rank - 2; d >= 0; d--) {
                    int idx = (int) (rem % shape[d]);
                    rem /= shape[d];
                    for (int o = 0; o < ops; o++) off[o] += idx * strides[o][d];
                }
                int start = piece * PIECE;
                int len = Math.min(PIECE, inner - start);
                for (int o = 0; o < ops; o++) off[o] += start * strides[o][rank - 1];
                body.run(off[0], off[1], off[2], len);
            }
        });
    }
}
