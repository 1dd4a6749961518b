package cortado.bench;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Random;
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
 * RMSNorm forward and backward over rows x C (Llama's norm): 256 rows of 768 and 2048 rows of 4096.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar RmsNormBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class RmsNormBench {
    /** rows,C. */
    @Param({"256,768", "2048,4096"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor x, w, dy;
    private Backend.NormResult fwd;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        int rows = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]);
        Random r = new Random(42);
        x = BenchTensors.randn(r, rows, c);
        w = BenchTensors.randn(r, c);
        dy = BenchTensors.randn(r, rows, c);
        fwd = be.rmsNorm(x, w, 1e-5f);
    }

    @Benchmark public Backend.NormResult forward() { return be.rmsNorm(x, w, 1e-5f); }

    @Benchmark public Backend.NormGrads backward() { return be.rmsNormBackward(dy, x, w, fwd.rstd()); }
}
