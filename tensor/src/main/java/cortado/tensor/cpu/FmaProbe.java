package cortado.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the machine's fused multiply-add peak: 12 independent FMA chains on registers, enough to cover FMA latency
 * times throughput on current x86 cores, no memory traffic. Run on 1 thread and on N threads at once, it shows whether
 * the second vCPU is a full core (N-thread total close to N x the 1-thread rate) or a hyper-thread sharing one core's
 * FMA pipes; that decides whether a 2-thread GEMM figure can be trusted. Also gives the peak that GEMM GFLOP/s are
 * reported against.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp tensor/target/classes cortado.tensor.cpu.FmaProbe [threads]}
 * prints {@code {"threads": T, "gflops_total": G, "gflops_per_thread": g, "vector_bits": b}} for 1 and T threads.
 */
public final class FmaProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FmaProbe() {}

    /** GFLOP/s of one thread running the FMA loop for {@code iterations} steps (12 vector FMAs per step). */
    static double runOne(int iterations) {
        FloatVector x = FloatVector.broadcast(S, 0.999999f), y = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        long dt = System.nanoTime() - t0;
        float sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .lane(0);
        if (sink == 12345.678f) System.out.print(""); // keeps the chains live
        return 12.0 * S.length() * 2 * iterations / dt;
    }

    /**
     * Total GFLOP/s of {@code threads} threads running the loop at the same time (median of 5 rounds). Plain threads
     * released together by a barrier, so the runs truly overlap (a work-stealing pool may run both on one thread).
     */
    public static double total(int threads, int iterations) {
        double[] rounds = new double[5];
        for (int r = 0; r < rounds.length; r++) {
            double[] per = new double[threads];
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
            double sum = 0;
            for (double g : per) sum += g;
            rounds[r] = sum;
        }
        return SgemmTimer.median(rounds);
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int iterations = 50_000_000;
        for (int w = 0; w < 20; w++) runOne(iterations / 100); // JIT warm-up: a normal (not OSR) compilation
        for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
            double g = total(t, iterations);
            System.out.printf("{\"threads\": %d, \"gflops_total\": %.1f, \"gflops_per_thread\": %.1f, "
                    + "\"vector_bits\": %d}%n", t, g, g / t, S.vectorBitSize());
        }
    }
}
