package cortado.bench;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import cortado.tensor.Adam8bit;
import cortado.tensor.cpu.AdamWRangeKernel;
import cortado.tensor.cpu.quant.Adam8bitKernel;
import cortado.quant.DynamicMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * The per-parameter passes of a training step over 16M floats (a GPT-2 124M step makes them over 124M): fused AdamW,
 * gradient accumulation (axpy), clipping's sum of squares and rescale. Memory-bound; compare with bytes moved
 * (AdamW reads 4 and writes 3 arrays). {@code adamwPagedFrame} is PagedAdamW's kernel (moments in an off-heap frame,
 * element by element), {@code adam8bit} AdamW8bit's (bitsandbytes' CPU 8-bit blockwise update). {@code sgdNesterov},
 * {@code lion}, {@code lambUpdate} and {@code adafactorUnfactored}/{@code adafactorFactored} are the kernels of Sgd, Lion,
 * Lamb and Adafactor (the factored one over the n floats as a 4096-column matrix, its row and column moments given).
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar OptimizerKernelsBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class OptimizerKernelsBench {
    @Param({"16777216"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor p, g, m, v, u, row, col;
    private MemorySegment frame, state8;
    private final Adam8bit.Maps maps = Adam8bit.Maps.of(DynamicMap.signed(), DynamicMap.unsigned());
    private int step;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random r = new Random(42);
        p = BenchTensors.randn(r, n);
        g = BenchTensors.randn(r, n);
        m = Tensor.zeros(n);
        v = Tensor.zeros(n);
        u = Tensor.zeros(n);
        row = Tensor.full(1f, n / 4096);
        col = Tensor.full(1f, 4096);
        frame = Arena.ofAuto().allocate(8L * n, 64);
        state8 = Arena.ofAuto().allocate(2L * n + 8L * ((n + 255) / 256), 64);
    }

    @Benchmark public void adamwPagedFrame() {
        AdamWRangeKernel.step(p, g, 0, n, frame, 0, frame, 4L * n, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.1f, ++step, 1f);
    }

    @Benchmark public void adam8bit() {
        long blocks = (n + 255) / 256;
        Adam8bitKernel.step(p, g, 0, n, state8, n, 2L * n, 2L * n + 4 * blocks, maps,
                new Adam8bit.Hyper(0.9, 0.999, 1e-8, 1e-4, 0.1, ++step, 1f));
    }

    @Benchmark public void adamw() { be.adamwInPlace(p, g, m, v, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.1f, ++step); }

    /** With a global-norm clip folded in (gradScale), against clipping in place first and then updating. */
    @Benchmark public void adamwClipFolded() { be.adamwInPlace(p, g, m, v, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.1f, ++step, 0.5f); }

    @Benchmark public void clipThenAdamw() {
        be.scaleInPlace(g, 0.5f);
        be.adamwInPlace(p, g, m, v, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.1f, ++step);
        be.scaleInPlace(g, 2f); // keep the gradient's scale from drifting across iterations
    }

    @Benchmark public void sgdNesterov() { be.sgdInPlace(p, g, m, 1e-4f, 0.9f, 0f, 1e-4f, true, false, 1f); }

    @Benchmark public void lion() { be.lionInPlace(p, g, m, 1e-5f, 0.9f, 0.99f, 0.1f, 1f); }

    @Benchmark public void lambUpdate() {
        ++step;
        be.lambUpdate(p, g, m, v, u, 0.9f, 0.1f, 0.999f, 1e-6f, 0.01f, 1 - Math.pow(0.9, step), 1 - Math.pow(0.999, step), 1f);
    }

    @Benchmark public double adafactorUnfactored() { return be.adafactorUnfactoredUpdate(g, v, u, 0.9f, 1e-30f, 1f); }

    @Benchmark public double adafactorFactored() {
        return be.adafactorFactoredUpdate(g, row, col, u, 1, n / 4096, 4096, 1f);
    }

    @Benchmark public void axpy() { be.axpyInPlace(m, 0.5f, g); }

    @Benchmark public double sumOfSquares() { return be.sumOfSquares(g); }

    @Benchmark public void scaleInPlace() { be.scaleInPlace(v, 0.999f); }
}
