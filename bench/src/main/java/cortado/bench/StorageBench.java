package cortado.bench;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.StepArena;
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
 * Heap ({@code cpu}) against off-heap ({@code offheap}) storage for the same operations: an elementwise add of 2^20
 * elements, a 512 x 512 x 512 matrix product and LayerNorm forward over 4096 x 768. Each call runs inside a
 * {@link StepArena}, as a training step does, so both backends take their result buffers from their pools.
 * {@link StorageSideBySide} measures the same calls interleaved, for ratios on a noisy machine.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar StorageBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class StorageBench {
    @Param({"cpu", "offheap"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private StorageOps ops;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        ops = new StorageOps(Backends.named(backend), new Random(42));
    }

    @Benchmark
    public double add() { return ops.add(); }

    @Benchmark
    public double sgemm512() { return ops.sgemm512(); }

    @Benchmark
    public double layerNorm() { return ops.layerNorm(); }

    /** The three operations on one backend's tensors; each returns one element so the JIT keeps the work. */
    static final class StorageOps {
        private final Backend be;
        private final Tensor a, b, m1, m2, x, w, bias;

        StorageOps(Backend be, Random r) {
            this.be = be;
            a = BenchTensors.randn(r, 1 << 20).to(be);
            b = BenchTensors.randn(r, 1 << 20).to(be);
            m1 = BenchTensors.randn(r, 512, 512).to(be);
            m2 = BenchTensors.randn(r, 512, 512).to(be);
            x = BenchTensors.randn(r, 4096, 768).to(be);
            w = BenchTensors.randn(r, 768).to(be);
            bias = BenchTensors.randn(r, 768).to(be);
        }

        Backend backend() { return be; }

        double add() {
            try (StepArena arena = StepArena.open()) { return be.add(a, b).get(7); }
        }

        double sgemm512() {
            try (StepArena arena = StepArena.open()) { return be.matmul(m1, m2, false, false).get(3, 5); }
        }

        double layerNorm() {
            try (StepArena arena = StepArena.open()) { return be.layerNorm(x, w, bias, 1e-5f).out().get(9, 11); }
        }
    }
}
