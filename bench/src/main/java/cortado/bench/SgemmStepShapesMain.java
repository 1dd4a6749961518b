package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * GFLOP/s of every sgemm a GPT-2 124M training step makes (forward NN, dX NT, dW TN of each Conv1D projection and of
 * the tied LM head) at M = B*T rows, as a fraction of the FMA peak that {@link FmaProbe} measures on this machine.
 * On one thread the rate is taken from the thread's CPU time (robust to other processes on a shared machine); on more
 * threads from the wall clock. Median of {@code reps} calls after warm-up (and
 * the sum of the fastest calls, steadier on a busy machine).
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.SgemmStepShapesMain
 * [rows=256] [threads=1] [reps=5]} prints one line per shape and the FLOP-weighted total.
 */
public final class SgemmStepShapesMain {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private SgemmStepShapesMain() {}

    /** {name, m, n, k, transA, transB, count per step} for a step at {@code rows} = B*T tokens. */
    static Object[][] shapes(int rows) {
        int lm = Math.min(rows, 1304); // LinearCrossEntropy's default chunk for a 50257 vocabulary is 2^26 / V rows
        return new Object[][] {
                {"c_attn fwd  NN", rows, 2304, 768, false, false, 12},
                {"c_attn dX   NT", rows, 768, 2304, false, true, 12},
                {"c_attn dW   TN", 768, 2304, rows, true, false, 12},
                {"attn.proj fwd NN", rows, 768, 768, false, false, 12},
                {"attn.proj dX  NT", rows, 768, 768, false, true, 12},
                {"attn.proj dW  TN", 768, 768, rows, true, false, 12},
                {"c_fc fwd    NN", rows, 3072, 768, false, false, 12},
                {"c_fc dX     NT", rows, 768, 3072, false, true, 12},
                {"c_fc dW     TN", 768, 3072, rows, true, false, 12},
                {"mlp.proj fwd NN", rows, 768, 3072, false, false, 12},
                {"mlp.proj dX  NT", rows, 3072, 768, false, true, 12},
                {"mlp.proj dW  TN", 3072, 768, rows, true, false, 12},
                {"lm_head fwd NT", lm, 50257, 768, false, true, rows / lm},
                {"lm_head dX  NN", lm, 768, 50257, false, false, rows / lm},
                {"lm_head dW  TN", 50257, 768, lm, true, false, rows / lm},
        };
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Parallel.setThreads(threads);
        double peak = FmaProbe.measure(1, 50_000_000)[1] * threads;
        System.out.printf("rows %d, threads %d, FMA peak %.1f GFLOP/s (%s)%n", rows, threads, peak,
                threads == 1 ? "per-thread CPU time" : "threads x 1-thread peak");
        double flopsAll = 0, secondsAll = 0, bestAll = 0;
        for (Object[] s : shapes(rows)) {
            int m = (Integer) s[1], n = (Integer) s[2], k = (Integer) s[3], count = (Integer) s[6];
            boolean ta = (Boolean) s[4], tb = (Boolean) s[5];
            float[] a = SgemmBench.random((long) m * k, 1), b = SgemmBench.random((long) k * n, 2);
            float[] c = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            double[] t = new double[reps];
            for (int w = 0; w < 2; w++) Sgemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            for (int r = 0; r < reps; r++) {
                long c0 = CPU.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                Sgemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                t[r] = threads == 1 ? CPU.getCurrentThreadCpuTime() - c0 : System.nanoTime() - t0;
            }
            Arrays.sort(t);
            double sec = t[reps / 2] / 1e9, flops = 2.0 * m * n * k;
            flopsAll += flops * count;
            secondsAll += sec * count;
            bestAll += t[0] / 1e9 * count;
            System.out.printf("%-18s m=%5d n=%5d k=%5d  %7.2f ms  %6.1f GFLOP/s  %4.0f%% of peak  (x%d per step)%n",
                    s[0], m, n, k, sec * 1e3, flops / sec / 1e9, 100 * flops / sec / 1e9 / peak, count);
        }
        System.out.printf("step total: %.0f ms of sgemm, %.1f GFLOP/s, %.0f%% of peak (fastest calls: %.0f ms)%n",
                secondsAll * 1e3, flopsAll / secondsAll / 1e9, 100 * flopsAll / secondsAll / 1e9 / peak, bestAll * 1e3);
    }
}
