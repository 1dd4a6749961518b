package cortado.cli;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measures square sgemm throughput the way {@code cortado bench sgemm} reports it: C[n,n] = A @ B (no transposes) on
 * random data through the CPU backend's {@link Backend#matmul}, as a model calls it (each call returns a new C, so the
 * figure includes allocating it); warm-up first (JIT compilation of the kernel, page faults, thread start-up), then
 * timed repeats; the median is reported because a shared machine produces one-sided outliers.
 */
public final class SgemmTimer {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final Backend BACKEND = Backends.cpu();

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
        Problem pr = Problem.of(size, size, size, false, false);
        // Warm-up: at least 5 calls and a second, enough for C2 to compile the micro-kernel even on a busy machine.
        long end = System.nanoTime() + 1_000_000_000L;
        for (int w = 0; w < 5 || System.nanoTime() < end; w++) pr.run();
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            pr.run();
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

    /**
     * Line protocol for a driver that interleaves Cortado with another library call by call (bench/compare): reads
     * {@code warm SHAPE} (allocate, warm up; answers {@code ok}), {@code time SHAPE} (one timed call; answers its
     * GFLOP/s by wall clock, then by the calling thread's CPU time, which on one thread discounts time slices taken
     * by other processes) and {@code quit} from stdin. SHAPE is {@code N} (square, no transposes) or {@code m,n,k,transA,transB}
     * with transposes as 0/1. Both sides then see the same machine noise, which matters on a shared 2-vCPU VM.
     */
    static void serve() throws java.io.IOException {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        String current = "";
        Problem pr = null;
        boolean warmed = false;
        for (String line; (line = in.readLine()) != null; ) {
            String[] w = line.trim().split("\\s+");
            if (w[0].equals("quit")) break;
            if (w.length != 2 || !(w[0].equals("warm") || w[0].equals("time"))) {
                System.out.println("error: expected 'warm SHAPE', 'time SHAPE' or 'quit', got: " + line);
                System.out.flush();
                continue;
            }
            if (!w[1].equals(current)) {
                current = w[1];
                pr = Problem.parse(current);
            }
            if (w[0].equals("warm")) {
                // The first shape also waits out C2 compiling the kernel, which takes longer on a busy machine.
                long end = System.nanoTime() + (warmed ? 500_000_000L : 2_000_000_000L);
                warmed = true;
                for (int i = 0; i < 3 || System.nanoTime() < end; i++) pr.run();
                System.out.println("ok");
            } else {
                long c0 = CPU.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                pr.run();
                long t1 = System.nanoTime(), c1 = CPU.getCurrentThreadCpuTime();
                System.out.println(pr.flops() / (t1 - t0) + " " + pr.flops() / Math.max(1, c1 - c0));
            }
            System.out.flush();
        }
    }

    /** One multiply with its operands: op(A)[m,k] @ op(B)[k,n], A stored [k,m] when transposed, B [n,k]. */
    private record Problem(int m, int n, int k, boolean transA, boolean transB, Tensor a, Tensor b) {
        static Problem parse(String spec) {
            String[] f = spec.split(",");
            if (f.length == 1) {
                int n = Integer.parseInt(f[0]);
                return of(n, n, n, false, false);
            }
            if (f.length != 5) throw new IllegalArgumentException("shape must be N or m,n,k,transA,transB: " + spec);
            return of(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    f[3].equals("1") || f[3].equalsIgnoreCase("true"), f[4].equals("1") || f[4].equalsIgnoreCase("true"));
        }

        static Problem of(int m, int n, int k, boolean transA, boolean transB) {
            Tensor a = BACKEND.fromArray(random(Math.multiplyExact(m, k), 1), transA ? k : m, transA ? m : k);
            Tensor b = BACKEND.fromArray(random(Math.multiplyExact(k, n), 2), transB ? n : k, transB ? k : n);
            return new Problem(m, n, k, transA, transB, a, b);
        }

        double flops() { return 2.0 * m * n * k; }

        void run() { BACKEND.matmul(a, b, transA, transB); }
    }

    private static float[] random(int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[len];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /**
     * Standalone entry for scripts that run the built classes without the CLI:
     * {@code java --add-modules jdk.incubator.vector -cp tensor/target/classes:cli/target/classes cortado.cli.SgemmTimer
     * --sizes 256,512 [--threads N] [--repeats R] [--serve]}. Prints one JSON line per size, as
     * {@code cortado bench sgemm}; with {@code --serve} it answers the line protocol of {@link #serve()} instead.
     */
    public static void main(String[] args) throws java.io.IOException {
        String sizes = "256,512,1024,2048";
        int threads = cortado.tensor.Parallel.threads(), repeats = 0;
        boolean serve = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--serve" -> serve = true;
                default -> {
                    System.err.println("error: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        cortado.tensor.Parallel.setThreads(threads);
        if (serve) {
            serve();
            return;
        }
        for (String s : sizes.split(",")) {
            int n = Integer.parseInt(s.trim());
            double g = medianGflops(n, repeats > 0 ? repeats : defaultRepeats(n));
            System.out.printf("{\"size\": %d, \"gflops\": %.2f, \"threads\": %d}%n", n, g, threads);
        }
    }
}
