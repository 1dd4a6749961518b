package cortado.bench;

import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.Parallel;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.quant.HalfMatrix;
import cortado.tensor.cpu.quant.QuantMatmul;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 16-bit weight kernels ({@code dtype} BF16 or F16) against fp32 sgemm on the same shapes, side by side:
 * <ul>
 *   <li>{@code halfGemv} vs {@code fp32Gemv}: y = W x, W [size, size] (one token of decoding; memory-bound, so
 *       16-bit should approach twice fp32's rate once W does not fit in cache).</li>
 *   <li>{@code halfMatmul} vs {@code fp32Matmul}: Y = X W^T with X [rows, size] (prefill); {@code halfGradInput}
 *       (dX = dY W, a frozen 16-bit base under LoRA) against sgemm with W untransposed.</li>
 *   <li>{@code halfEmbedding}: 512 rows of a [32000, 2048]-style table looked up and widened.</li>
 * </ul>
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar HalfMatmulBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class HalfMatmulBench {
    @Param({"BF16", "F16"})
    public String dtype;

    @Param({"4096"})
    public int size;

    @Param({"512"})
    public int rows;

    /** 0 = all available processors. */
    @Param({"0"})
    public int threads;

    private float[] wFp32, x, y, xs, ys, dxs;
    private HalfMatrix w;
    private QuantizedWeight table;
    private int[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        DType t = DType.valueOf(dtype);
        SplittableRandom r = new SplittableRandom(1);
        short[] bits = new short[size * size];
        for (int i = 0; i < bits.length; i++) {
            float v = (float) (r.nextGaussian() * 0.02);
            bits[i] = t == DType.BF16 ? DType.f32ToBf16(v) : DType.f32ToF16(v);
        }
        w = HalfMatrix.of(t, bits, size, size);
        wFp32 = new float[size * size];
        w.decode(0, size, 0, size, wFp32, 0, size); // the same weights in fp32
        table = Backends.cpu().weight16bit(t, bits.clone(), size, size);
        ids = new int[rows];
        for (int i = 0; i < rows; i++) ids[i] = r.nextInt(size);
        x = QuantMatmulBench.random(size, 2);
        y = new float[size];
        xs = QuantMatmulBench.random(rows * size, 3);
        ys = new float[rows * size];
        dxs = new float[rows * size];
    }

    @Benchmark
    public float[] halfGemv() {
        QuantMatmul.gemv(w, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] fp32Gemv() {
        Sgemm.sgemm(false, true, 1, size, size, 1f, x, 0, size, wFp32, 0, size, 0f, y, 0, size);
        return y;
    }

    @Benchmark
    public float[] halfMatmul() {
        QuantMatmul.matmul(w, xs, 0, rows, ys, 0);
        return ys;
    }

    @Benchmark
    public float[] fp32Matmul() {
        Sgemm.sgemm(false, true, rows, size, size, 1f, xs, 0, size, wFp32, 0, size, 0f, ys, 0, size);
        return ys;
    }

    @Benchmark
    public float[] halfGradInput() {
        QuantMatmul.matmulGradInput(w, ys, 0, rows, dxs, 0);
        return dxs;
    }

    @Benchmark
    public Tensor halfEmbedding() { return Backends.cpu().quantizedEmbedding(table, ids); }
}
