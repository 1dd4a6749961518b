package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fp32 matrix-vector product of one decoded token through Sgemm's skinny path, on 1 thread and on all ({@code
 * threads=0}), in both weight layouts: {@code layout=out-in}, y = x @ W^T with W [out, in] row-major (Linear, and the
 * tied head), and {@code layout=in-out}, y = x @ W with W [in, out] (GPT-2's Conv1D as its checkpoints store it).
 * Shapes are GPT-2 124M's (768 -> 2304 qkv, 768 -> 3072 fc, 3072 -> 768 proj, the 50257-row head) and
 * Llama 3.2 1B's (2048 -> 8192 gate/up). It reads 4*out*in bytes per call, so GB/s = 4*out*in / time; the bound is the
 * memory read bandwidth (cortado.bench.StreamReadMain measures it).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatvecBench -p shape=768x50257
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatvecBench {
    /** in x out. */
    @Param({"768x2304", "768x3072", "3072x768", "768x50257", "2048x8192"})
    public String shape;

    /** out-in: W [out, in], sgemm(false, true); in-out: W [in, out], sgemm(false, false). */
    @Param({"out-in", "in-out"})
    public String layout;

    /** 1 = single thread; 0 = all available processors. */
    @Param({"1", "0"})
    public int threads;

    private int in, out;
    private float[] x, w, y;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        String[] d = shape.split("x");
        in = Integer.parseInt(d[0]);
        out = Integer.parseInt(d[1]);
        SplittableRandom r = new SplittableRandom(3);
        x = new float[in];
        w = new float[in * out];
        y = new float[out];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.02f;
    }

    @Benchmark
    public float[] matvec() {
        if (layout.equals("in-out")) Sgemm.sgemm(false, false, 1, out, in, 1f, x, 0, in, w, 0, out, 0f, y, 0, out);
        else Sgemm.sgemm(false, true, 1, out, in, 1f, x, 0, in, w, 0, in, 0f, y, 0, out);
        return y;
    }
}
