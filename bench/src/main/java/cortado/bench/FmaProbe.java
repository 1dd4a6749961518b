package cortado.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the machine's fused multiply-add peak: 12 independent FMA chains on registers, enough to cover FMA latency
 * times throughput on current x86 cores, no memory traffic. Run on 1 thread and on N threads at once, it shows whether
 * the second vCPU is a full core (N-thread total close to N x the 1-thread rate) or a hyper-thread sharing one core's
 * FMA pipes; that decides whether a 2-thread GEMM figure can be trusted. Also gives the peak that GEMM GFLOP/s are
 * reported against.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp tensor/target/classes:bench/target/classes cortado.bench.FmaProbe [threads]}
 * prints {@code {"threads": T, "gflops_total_wall": G, "gflops_per_thread_cpu": g, "vector_bits": b}} for 1 and T
 * threads. Wall-clock totals show what T threads get now; the CPU-time rate per thread falling well below the 1-thread
 * rate means the vCPUs share one core's FMA units, while a busy machine lowers only the wall-clock figure.
 */
public final class FmaProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float[] SEED = {0.999999f, 1e-7f, 1f, 0f};
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private FmaProbe() {}

    /**
     * One thread running the FMA loop for {@code iterations} steps (12 vector FMAs per step): {GFLOP/s by wall clock,
     * GFLOP/s by the thread's CPU time}. The CPU-time rate is what the core delivers while the thread runs, whatever
     * other processes take; it drops only if the core itself is shared (a hyper-thread sibling busy at the same time).
     */
    static double[] runOne(int iterations) {
        // Operands come from an array, not constants, so C2 cannot fold the multiply away or specialise the loop.
        float[] seed = SEED;
        FloatVector x = FloatVector.broadcast(S, seed[0]), y = FloatVector.broadcast(S, seed[1]);
        FloatVector a0 = FloatVector.broadcast(S, seed[2]), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        long c0 = CPU.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            // acc = x*y + acc, the accumulator form a GEMM kernel uses (the addend is the destination register).
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
            a8 = x.fma(y, a8); a9 = x.fma(y, a9); a10 = x.fma(y, a10); a11 = x.fma(y, a11);
        }
        long dt = System.nanoTime() - t0, dc = CPU.getCurrentThreadCpuTime() - c0;
        seed[3] = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .lane(0); // keeps the chains live
        double flops = 12.0 * S.length() * 2 * iterations;
        return new double[] {flops / dt, flops / Math.max(1, dc)};
    }

    /**
     * {@code threads} threads running the loop at the same time, median of 5 rounds: {total GFLOP/s by wall clock,
     * per-thread GFLOP/s by CPU time}. Plain threads released together by a barrier, so the runs truly overlap.
     */
    public static double[] measure(int threads, int iterations) {
        double[] wall = new double[5], cpu = new double[5];
        for (int r = 0; r < wall.length; r++) {
            double[][] per = new double[threads][];
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    per[id] = runOne(iterations);
                });
                ts[t].start();
            }
            for (Thread t : ts) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            for (double[] g : per) {
                wall[r] += g[0];
                cpu[r] += g[1] / threads;
            }
        }
        return new double[] {median(wall), median(cpu)};
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int iterations = 50_000_000;
        for (int w = 0; w < 20; w++) runOne(iterations / 100); // JIT warm-up: a normal (not OSR) compilation
        for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
            double[] g = measure(t, iterations);
            System.out.printf("{\"threads\": %d, \"gflops_total_wall\": %.1f, \"gflops_per_thread_cpu\": %.1f, "
                    + "\"vector_bits\": %d}%n", t, g[0], g[1], S.vectorBitSize());
        }
    }
}
