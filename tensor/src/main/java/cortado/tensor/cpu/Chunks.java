package cortado.tensor.cpu;

import cortado.tensor.Parallel;

/**
 * Splits {@code [0, n)} over {@link Parallel}'s threads, but only when each thread gets at least {@code grain} items:
 * handing a few hundred nanoseconds of work to another core costs more than it saves.
 */
final class Chunks {
    private Chunks() {}

    static void range(int n, int grain, Parallel.Range body) {
        if (n <= 0) return;
        int threads = Parallel.threads();
        int chunks = (int) Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        // A few more chunks than threads evens out rows of unequal cost (causal attention, ignored targets).
        int c = (int) Math.min(n, (long) chunks * (n >= 4L * chunks ? 4 : 1));
        Parallel.forEach(c, i -> body.run((int) ((long) n * i / c), (int) ((long) n * (i + 1) / c)));
    }
}
