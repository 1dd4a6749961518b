package cortado.bench;

import cortado.autograd.Autograd;
import cortado.autograd.F;
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
 * The LM head and loss of a training step, forward and backward: fused over chunks of rows
 * ({@code F.linearCrossEntropy}, logits never all at once) against the unfused linear then crossEntropy, on GPT-2's
 * head (C = 768, V = 50257) for B*T = 256 and 2048 rows; chunkRows 0 means the default chunk.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar LinearCrossEntropyBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
public class LinearCrossEntropyBench {
    @Param({"256", "2048"})
    public int rows;

    @Param({"0", "256"})
    public int chunkRows;

    @Param({"2"})
    public int threads;

    private Tensor hidden, weight;
    private int[] targets;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random r = new Random(7);
        hidden = BenchTensors.randn(r, rows, 768).requiresGrad(true);
        weight = BenchTensors.randn(r, 50257, 768).requiresGrad(true);
        targets = new int[rows];
        for (int i = 0; i < rows; i++) targets[i] = r.nextInt(50257);
    }

    @Benchmark
    public Tensor fused() {
        int chunk = chunkRows == 0 ? F.defaultLossChunkRows(50257) : chunkRows;
        return step(F.linearCrossEntropy(hidden, weight, null, targets, -100, chunk));
    }

    @Benchmark
    public Tensor unfused() { return step(F.crossEntropy(F.linear(hidden, weight, null), targets, -100)); }

    private Tensor step(Tensor loss) {
        Autograd.backward(loss);
        Tensor g = weight.grad();
        hidden.setGrad(null);
        weight.setGrad(null);
        return g;
    }
}
