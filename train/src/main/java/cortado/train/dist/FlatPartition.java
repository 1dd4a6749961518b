package cortado.train.dist;

import java.util.ArrayList;
import java.util.List;

/**
 * ZeRO's partition of the trainable parameters (Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training
 * Trillion Parameter Models"; the flat parameter of DeepSpeed and of PyTorch FSDP): the parameters, in the
 * optimizer's order, concatenated into one vector of {@code total} elements, padded to {@code ranks x shard} with
 * {@code shard = ceil(total / ranks)}; rank r owns elements {@code [r x shard, (r + 1) x shard)} (the padding past
 * {@code total} is zeros nobody stores). A parameter may be cut between two ranks. Every rank computes the same
 * partition from the same parameter sizes, so no layout travels.
 *
 * <p>Collectives move it in windows of at most {@code window} elements per rank: window k is, on every rank r, the
 * elements {@code [k x window, min((k + 1) x window, shard))} of r's shard, so one reduce-scatter (or all-gather) of
 * {@code ranks} blocks moves window k of every shard, and a buffer of {@code ranks x window} floats serves all.
 */
final class FlatPartition {
    /** The part of parameter {@code param} that lies in one rank's shard: its elements [from, to), at {@code at} in the shard. */
    record Piece(int param, long from, long to, long at) {
        long length() { return to - from; }
    }

    /** Parameter {@code param}'s elements [from, to) sit at {@code at} in a flat range being copied. */
    @FunctionalInterface
    interface Overlap { void visit(int param, long from, long to, long at); }

    private final long[] offsets;   // offsets[i]: where parameter i starts; offsets[n] = total
    private final int ranks;
    private final long shard, window;

    /** @param sizes element counts in order; @param window most elements per rank in one collective */
    FlatPartition(long[] sizes, int ranks, long window) {
        if (ranks < 1 || window < 1) throw new IllegalArgumentException("ranks and window must be >= 1");
        this.offsets = new long[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) offsets[i + 1] = offsets[i] + sizes[i];
        this.ranks = ranks;
        this.shard = (offsets[sizes.length] + ranks - 1) / ranks;
        this.window = window;
    }

    long total() { return offsets[offsets.length - 1]; }

    int ranks() { return ranks; }

    /** Elements per rank (the last rank's real ones may be fewer: padding). */
    long shard() { return shard; }

    /** Where rank r's shard starts in the flat vector. */
    long shardStart(int rank) { return rank * shard; }

    long window() { return window; }

    /** Windows per shard (at least one, so every rank runs the same collectives even when there is nothing to move). */
    int windows() { return (int) Math.max(1, (shard + window - 1) / window); }

    /** Elements per rank in window k. */
    long windowLength(int k) { return Math.min(window, shard - k * window); }

    /** The pieces of rank {@code rank}'s shard, in order. */
    List<Piece> pieces(int rank) {
        List<Piece> out = new ArrayList<>();
        long start = shardStart(rank);
        overlaps(start, start + shard, (p, from, to, at) -> out.add(new Piece(p, from, to, at)));
        return out;
    }

    /** Visits every parameter overlapping flat elements [a, b) (clipped to the real ones), in order. */
    void overlaps(long a, long b, Overlap visitor) {
        b = Math.min(b, total());
        if (a >= b) return;
        int i = upperBound(a) - 1;   // the parameter holding element a
        for (; i < offsets.length - 1 && offsets[i] < b; i++) {
            long from = Math.max(a, offsets[i]), to = Math.min(b, offsets[i + 1]);
            if (from < to) visitor.visit(i, from - offsets[i], to - offsets[i], from - a);
        }
    }

    /**
     * The last window that moves any element of parameter {@code param}: after it, the parameter's gradient has been
     * reduced wherever it goes (ZeRO-2 frees it then).
     */
    int lastWindow(int param) {
        long a = offsets[param], b = offsets[param + 1];
        if (a == b) return 0;
        long ra = a / shard, rb = (b - 1) / shard;
        if (ra != rb) return windows() - 1;   // it runs to the end of rank ra's shard
        return (int) (((b - 1) - ra * shard) / window);
    }

    private int upperBound(long x) {   // the first i with offsets[i] > x
        int lo = 0, hi = offsets.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsets[mid] <= x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
