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
 * GELU (tanh form and exact erf form) and SiLU forward and backward on GPT-2 124M's MLP activation, [B*T, 4C] = [256, 3072].
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar ActivationsBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ActivationsBench {
    @Param({"256,3072"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor x, dy;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        Random r = new Random(42);
        x = BenchTensors.randn(r, Integer.parseInt(p[0]), Integer.parseInt(p[1]));
        dy = BenchTensors.randn(r, x.shape());
    }

    @Benchmark public Tensor geluForward() { return be.gelu(x); }

    @Benchmark public Tensor geluBackward() { return be.geluBackward(dy, x); }

    @Benchmark public Tensor geluErfForward() { return be.geluErf(x); }

    @Benchmark public Tensor geluErfBackward() { return be.geluErfBackward(dy, x); }

    @Benchmark public Tensor siluForward() { return be.silu(x); }

    @Benchmark public Tensor siluBackward() { return be.siluBackward(dy, x); }
}
