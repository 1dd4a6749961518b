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
 * Softmax and log-softmax over the last dimension, forward and backward: attention-score-sized rows [B*H*T, T] for
 * GPT-2 at T = 1024 (the unfused path) and vocabulary-sized rows [64, 50257].
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar SoftmaxBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class SoftmaxBench {
    /** rows,n. */
    @Param({"12288,1024", "64,50257"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor x, dy, y, logY;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        Random r = new Random(42);
        x = BenchTensors.randn(r, Integer.parseInt(p[0]), Integer.parseInt(p[1]));
        dy = BenchTensors.randn(r, x.shape());
        y = be.softmax(x);
        logY = be.logSoftmax(x);
    }

    @Benchmark public Tensor softmaxForward() { return be.softmax(x); }

    @Benchmark public Tensor softmaxBackward() { return be.softmaxBackward(dy, y); }

    @Benchmark public Tensor logSoftmaxForward() { return be.logSoftmax(x); }

    @Benchmark public Tensor logSoftmaxBackward() { return be.logSoftmaxBackward(dy, logY); }
}
