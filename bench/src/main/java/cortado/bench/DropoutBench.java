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
 * The dropout kernel (counter-based mask and 1/(1-p) scale in one pass; backward is the same call) on GPT-2 124M's
 * residual stream at B*T = 1024 ([1024, 768]) and on one layer's attention probabilities at B=4, T=256 ([4*12*256, 256]),
 * against a plain scale of the same tensor as the memory-bound floor.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar DropoutBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class DropoutBench {
    @Param({"1024,768", "12288,256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor x;
    private long step;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        x = BenchTensors.randn(new Random(42), Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    }

    @Benchmark public Tensor dropout() { return be.dropout(x, 0.1f, step++); }

    @Benchmark public Tensor scaleFloor() { return be.scale(x, 1.1f); }
}
