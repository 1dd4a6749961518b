package cortado.tensor.cpu;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measures square sgemm throughput the way {@code cortado bench sgemm} reports it: C[n,n] = A @ B (alpha 1, beta 0,
 * no transposes) on random data, warm-up first (JIT compilation of the kernel, page faults, thread start-up), then
 * timed repeats; the median is reported because a shared machine produces one-sided outliers.
 */
public final class SgemmTimer {
    private SgemmTimer() {}

    /** Floating-point operations of one n x n x n multiply (one multiply and one add per term). */
    public static double flops(int size) { return 2.0 * size * size * size; }

    /** Median GFLOP/s of {@code repeats} timed calls after warm-up, using the current {@link cortado.tensor.Parallel} threads. */
    public static double medianGflops(int size, int repeats) {
        double[] rates = gflopsSamples(size, repeats);
        return median(rates);
    }

    /** A repeat count that keeps each size to roughly a second of timed work at ~100 GFLOP/s (at least 5). */
    public static int defaultRepeats(int size) {
        return (int) Math.max(5, Math.min(50, 1e11 / flops(size)));
    }

    /** GFLOP/s of each of {@code repeats} timed calls, after warm-up. */
    public static double[] gflopsSamples(int size, int repeats) {
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, got " + size);
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        float[] a = random(size, 1), b = random(size, 2), c = new float[size * size];
        // Warm-up: at least 3 calls and about half a second, enough for C2 to compile the micro-kernel.
        long end = System.nanoTime() + 500_000_000L;
        for (int w = 0; w < 3 || System.nanoTime() < end; w++) multiply(size, a, b, c);
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            multiply(size, a, b, c);
            long dt = System.nanoTime() - t0;
            rates[r] = flops(size) / dt; // flop per ns = GFLOP/s
        }
        return rates;
    }

    public static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private static void multiply(int n, float[] a, float[] b, float[] c) {
        Sgemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /**
     * Standalone entry for scripts that run the built classes without the CLI:
     * {@code java --add-modules jdk.incubator.vector -cp tensor/target/classes cortado.tensor.cpu.SgemmTimer
     * --sizes 256,512 [--threads N] [--repeats R]}. Prints one JSON line per size, as {@code cortado bench sgemm}.
     */
    public static void main(String[] args) {
        String sizes = "256,512,1024,2048";
        int threads = cortado.tensor.Parallel.threads(), repeats = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("error: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        cortado.tensor.Parallel.setThreads(threads);
        for (String s : sizes.split(",")) {
            int n = Integer.parseInt(s.trim());
            double g = medianGflops(n, repeats > 0 ? repeats : defaultRepeats(n));
            System.out.printf("{\"size\": %d, \"gflops\": %.2f, \"threads\": %d}%n", n, g, threads);
        }
    }
}
