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
 * Fused softmax cross-entropy over GPT-2's vocabulary (V = 50257) for the B*T = 256 rows of a 124M training step:
 * forward (log-sum-exp per row, no probabilities stored) and backward (dlogits written in one pass, into a new
 * tensor or over the logits).
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar CrossEntropyBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class CrossEntropyBench {
    /** rows,V. */
    @Param({"256,50257"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor logits;
    private int[] targets;
    private Backend.CrossEntropyResult fwd;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        int n = Integer.parseInt(p[0]), v = Integer.parseInt(p[1]);
        Random r = new Random(42);
        logits = BenchTensors.randn(r, n, v);
        targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = r.nextInt(v);
        fwd = be.crossEntropy(logits, targets, -100);
    }

    @Benchmark
    public Backend.CrossEntropyResult forward() { return be.crossEntropy(logits, targets, -100); }

    @Benchmark
    public Tensor backward() { return be.crossEntropyBackward(logits, targets, fwd.lse(), -100, 1f, fwd.counted()); }

    /**
     * The gradient written over a logits buffer (as the LM head's loss does): no [N, V] output to allocate or fault in.
     * Each call starts from a copy of the logits, made outside the timed region.
     */
    @State(Scope.Thread)
    public static class Scratch {
        Tensor buffer;

        @Setup(org.openjdk.jmh.annotations.Level.Invocation)
        public void refill(CrossEntropyBench b) {
            if (buffer == null) buffer = b.be.copy(b.logits);
            else b.be.copyInto(buffer, b.logits);
        }
    }

    @Benchmark
    public Tensor backwardInPlace(Scratch s) {
        be.crossEntropyBackwardInPlace(s.buffer, targets, fwd.lse(), -100, 1f, fwd.counted());
        return s.buffer;
    }
}
