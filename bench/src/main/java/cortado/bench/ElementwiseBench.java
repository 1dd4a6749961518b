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
 * Broadcasting elementwise ops and their backward at GPT-2 124M shapes: bias add [256, 3072] + [3072], residual add,
 * a strided copy (attention's [B, H, T, D] back to [B, T, H, D]) and the bias gradient (sumToShape [256, 3072] -> [3072]).
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar ElementwiseBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ElementwiseBench {
    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor h, bias, a, b, heads;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random r = new Random(42);
        h = BenchTensors.randn(r, 256, 3072);
        bias = BenchTensors.randn(r, 3072);
        a = BenchTensors.randn(r, 4, 64, 768);
        b = BenchTensors.randn(r, 4, 64, 768);
        heads = BenchTensors.randn(r, 4, 12, 64, 64);
    }

    @Benchmark public Tensor addBias() { return be.add(h, bias); }

    @Benchmark public Tensor addResidual() { return be.add(a, b); }

    @Benchmark public Tensor mergeHeadsCopy() { return be.copy(heads.transpose(1, 2)); }

    @Benchmark public Tensor biasGradient() { return be.sumToShape(h, new int[] {3072}); }
}
