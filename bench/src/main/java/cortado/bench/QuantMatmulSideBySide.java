package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.quant.Packed4bit;
import cortado.tensor.cpu.quant.QuantMatmul;
import java.util.Arrays;

/**
 * The must-show ratios of {@link QuantMatmulBench} measured interleaved: each round times the NF4 call and the fp32
 * call back to back, so load from other processes on a shared machine hits both alike; the report is the median time
 * of each and the median of the per-round ratios.
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.QuantMatmulSideBySide \
 *        [rounds] [threads] [gemv|matmul|all]
 * </pre>
 */
public final class QuantMatmulSideBySide {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        if (args.length > 1 && Integer.parseInt(args[1]) > 0) Parallel.setThreads(Integer.parseInt(args[1]));
        String which = args.length > 2 ? args[2] : "all";
        int size = 4096, rows = 512;
        Packed4bit nf4 = QuantMatmulBench.randomNf4(size, size, 64, 1);
        float[] w = new float[size * size];
        nf4.decode(0, size, 0, size, w, 0, size);
        float[] x = QuantMatmulBench.random(size, 2), y = new float[size];
        float[] xs = QuantMatmulBench.random(rows * size, 3), ys = new float[rows * size], dx = new float[rows * size];
        System.out.printf("threads=%d, W [%d, %d] NF4 blocksize 64, X [%d, %d]; %d interleaved rounds%n",
                Parallel.threads(), size, size, rows, size, rounds);
        if (!which.equals("matmul")) compare("matvec  y = W x      ", rounds * 10,
                () -> QuantMatmul.gemv(nf4, x, 0, y, 0),
                () -> Sgemm.sgemm(false, true, 1, size, size, 1f, x, 0, size, w, 0, size, 0f, y, 0, size));
        if (which.equals("gemv")) return;
        compare("matmul  Y = X W^T    ", rounds,
                () -> QuantMatmul.matmul(nf4, xs, 0, rows, ys, 0),
                () -> Sgemm.sgemm(false, true, rows, size, size, 1f, xs, 0, size, w, 0, size, 0f, ys, 0, size));
        compare("grad    dX = dY W    ", rounds,
                () -> QuantMatmul.matmulGradInput(nf4, ys, 0, rows, dx, 0),
                () -> Sgemm.sgemm(false, false, rows, size, size, 1f, ys, 0, size, w, 0, size, 0f, dx, 0, size));
    }

    static void compare(String label, int rounds, Runnable quant, Runnable fp32) {
        for (int i = 0; i < Math.max(3, rounds / 5); i++) { quant.run(); fp32.run(); } // warm-up (JIT)
        double[] tq = new double[rounds], tf = new double[rounds], ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            boolean quantFirst = (i & 1) == 0; // alternate the order so neither always runs on a warmer cache
            if (quantFirst) { tq[i] = time(quant); tf[i] = time(fp32); }
            else { tf[i] = time(fp32); tq[i] = time(quant); }
            ratio[i] = tf[i] / tq[i];
        }
        System.out.printf("%s NF4 %9.3f ms   fp32 %9.3f ms   fp32/NF4 median %.2fx (NF4 time / fp32 time %.2f)%n",
                label, median(tq), median(tf), median(ratio), 1 / median(ratio));
    }

    static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
