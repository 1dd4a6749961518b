package cortado.bench;

import cortado.tensor.linalg.SparseIfft2;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FourierFT's weight update and its gradient on one layer, peft's default n_frequency 1000 at random positions
 * ({@link SparseIfft2#realInverse} forward, {@link SparseIfft2#realInverseAdjoint} backward): GPT-2 124M's
 * {@code c_attn} ([2304, 768] as peft's delta weight is laid out), its {@code c_fc} ([3072, 768]) and the demo
 * model's {@code c_attn} ([384, 128]). The peer, torch.fft.ifft2 on the dense spectrum and its backward, is
 * {@code bench/compare/sparse_ifft2_vs_torch.py}.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar SparseIfft2Bench -p threads=1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class SparseIfft2Bench {
    /** out,in. */
    @Param({"384,128", "2304,768", "3072,768"})
    public String shape;

    @Param({"1"})
    public int threads;

    private float[] values, grad;
    private int[] rows, cols;
    private int m, n;

    @Setup
    public void setup() {
        cortado.tensor.Parallel.setThreads(threads);
        String[] p = shape.split(",");
        m = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        int count = Math.min(1000, m * n);
        SplittableRandom r = new SplittableRandom(42);
        values = new float[count];
        rows = new int[count];
        cols = new int[count];
        for (int j = 0; j < count; j++) {   // distinct positions, as randperm draws them
            values[j] = (float) r.nextGaussian();
            int pos = r.nextInt(m * n);
            rows[j] = pos / n;
            cols[j] = pos % n;
        }
        grad = new float[m * n];
        for (int i = 0; i < grad.length; i++) grad[i] = (float) r.nextGaussian();
    }

    @Benchmark public float[] forward() { return SparseIfft2.realInverse(values, rows, cols, m, n); }

    @Benchmark public float[] backward() { return SparseIfft2.realInverseAdjoint(grad, rows, cols, m, n); }
}
