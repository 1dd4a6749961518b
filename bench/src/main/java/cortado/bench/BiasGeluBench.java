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
 * The fused bias + GELU of GPT-2's MLP (c_fc) against the two passes it replaces (bias add, then GELU; and GELU
 * backward, then the bias gradient's column sum), and the in-place bias add of the other projections, on
 * [B*T, 4C] = [256, 3072] and [4096, 3072].
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar BiasGeluBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class BiasGeluBench {
    @Param({"256,3072", "4096,3072"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor z, bias, dy;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        Random r = new Random(42);
        z = BenchTensors.randn(r, Integer.parseInt(p[0]), Integer.parseInt(p[1]));
        bias = BenchTensors.randn(r, z.size(1));
        dy = BenchTensors.randn(r, z.shape());
    }

    @Benchmark public Tensor fusedForward() { return be.biasGelu(z, bias); }

    @Benchmark public Tensor unfusedForward() { return be.gelu(be.add(z, bias)); }

    @Benchmark public Backend.BiasGeluGrads fusedBackward() { return be.biasGeluBackward(dy, z, bias); }

    @Benchmark public Tensor[] unfusedBackward() {
        Tensor dz = be.geluBackward(dy, be.add(z, bias));
        return new Tensor[] {dz, be.sum(dz, 0, false)};
    }

    @Benchmark public Tensor biasInPlace() {
        be.addRowsInPlace(dy, bias);
        return dy;
    }
}
