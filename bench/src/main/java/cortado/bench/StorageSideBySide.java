package cortado.bench;

import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * {@link StorageBench}'s operations on heap and off-heap storage, interleaved: each round times the heap call and the
 * off-heap call back to back (alternating which goes first), so load from other processes hits both alike. Prints per
 * operation the median time of each, the median of the per-round ratios off-heap / heap, and the spread of that ratio
 * (its 25th and 75th percentiles).
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *        -cp bench/target/benchmarks.jar cortado.bench.StorageSideBySide [rounds] [threads]
 * </pre>
 */
public final class StorageSideBySide {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 41;
        if (args.length > 1) Parallel.setThreads(Integer.parseInt(args[1]));
        StorageBench.StorageOps heap = new StorageBench.StorageOps(Backends.cpu(), new Random(42));
        StorageBench.StorageOps off = new StorageBench.StorageOps(Backends.offHeap(), new Random(42));
        System.out.printf("threads=%d, %d interleaved rounds; ratio = off-heap time / heap time (below 1: off-heap faster)%n",
                Parallel.threads(), rounds);
        compare("add 2^20          ", rounds * 4, heap::add, off::add);
        compare("sgemm 512^3       ", rounds, heap::sgemm512, off::sgemm512);
        compare("layerNorm 4096x768", rounds * 2, heap::layerNorm, off::layerNorm);
    }

    static void compare(String label, int rounds, DoubleSupplier heap, DoubleSupplier off) {
        for (int i = 0; i < Math.max(20, rounds / 2); i++) { heap.getAsDouble(); off.getAsDouble(); } // JIT warm-up
        double[] th = new double[rounds], to = new double[rounds], ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            if ((i & 1) == 0) { th[i] = time(heap); to[i] = time(off); }
            else { to[i] = time(off); th[i] = time(heap); }
            ratio[i] = to[i] / th[i];
        }
        System.out.printf("%s heap %8.3f ms   off-heap %8.3f ms   ratio median %.3f (p25 %.3f, p75 %.3f)%n", label,
                pct(th, 50), pct(to, 50), pct(ratio, 50), pct(ratio, 25), pct(ratio, 75));
    }

    static double time(DoubleSupplier r) {
        long t0 = System.nanoTime();
        r.getAsDouble();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, s.length * p / 100)];
    }
}
