package cortado.tensor.cpu;

import cortado.tensor.Parallel;

/**
 * Splits {@code [0, n)} over {@link Parallel}'s threads, but only when each thread gets at least {@code grain} items:
 * handing a few hundred nanoseconds of work to another core costs more than it saves.
 *
 * <p>Where the split points fall depends on the thread count, so a body must compute each item the same way wherever
 * its range starts: {@link #range} is for items that are independent (rows of a norm, heads of attention), and
 * {@link #elements} for flat SIMD loops, whose vector body and scalar tail may round differently.
 */
final class Chunks {
    /** Split points of {@link #elements} are multiples of this: a multiple of every SIMD width. */
    static final int ALIGN = 64;

    private Chunks() {}

    static void range(int n, int grain, Parallel.Range body) {
        if (n <= 0) return;
        int c = count(n, grain);
        if (c <= 1) {
            body.run(0, n);
            return;
        }
        Parallel.forEach(c, i -> body.run((int) ((long) n * i / c), (int) ((long) n * (i + 1) / c)));
    }

    /**
     * As {@link #range}, for a loop over n elements that runs SIMD vectors from its start and scalar code on the rest:
     * every split point is a multiple of {@link #ALIGN}, so an element is in a vector or in the scalar tail by its
     * position in [0, n) alone, never by the thread count.
     */
    static void elements(int n, int grain, Parallel.Range body) {
        if (n <= 0) return;
        int c = count(n, Math.max(grain, ALIGN));
        if (c <= 1) {
            body.run(0, n);
            return;
        }
        Parallel.forEach(c, i -> {
            int from = i == 0 ? 0 : (int) ((long) n * i / c) / ALIGN * ALIGN;
            int to = i == c - 1 ? n : (int) ((long) n * (i + 1) / c) / ALIGN * ALIGN;
            if (from < to) body.run(from, to);
        });
    }

    /** The number of pieces: about threads(), times four (when there is room) to even out pieces of unequal cost. */
    private static int count(int n, int grain) {
        int threads = Parallel.threads();
        int chunks = (int) Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1) return 1;
        // A few more chunks than threads evens out rows of unequal cost (causal attention, ignored targets).
        return (int) Math.min(n, (long) chunks * (n >= 4L * chunks ? 4 : 1));
    }
}
