package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.quant.Packed4bit;
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
 * Fused NF4 kernels against fp32 on the same shapes, in one run so the ratios are side by side.
 * <ul>
 *   <li>{@code nf4Gemv} vs {@code fp32Gemv}: y = W x with W [4096, 4096] (one token of decoding). fp32 goes through
 *       Sgemm's matrix-vector path (m = 1, B = W transposed: a streaming dot per row, the best fp32 gemv we have).
 *       NF4 reads 8 MiB of codes + 1 MiB of absmax instead of 64 MiB.</li>
 *   <li>{@code nf4Matmul} vs {@code fp32Matmul}: Y = X W^T with X [512, 4096] (prefill / training forward), and
 *       {@code nf4GradInput} (dX = dY W) against the same sgemm with W untransposed.</li>
 * </ul>
 * Caveat: JMH calls one benchmark back to back, so the 9 MiB of NF4 weights can stay in a 32 MiB L3 while the
 * 64 MiB fp32 matrix cannot; that flatters NF4's matvec. {@link QuantMatmulSideBySide} interleaves the two (each
 * evicts the other, as the layers of a model do during decoding): use its ratios for claims.
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar QuantMatmulBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QuantMatmulBench {
    static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f,
            0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
            0.5626170039176941f, 0.7229568362236023f, 1.0f};

    @Param({"4096"})
    public int size;

    @Param({"512"})
    public int rows;

    /** 0 = all available processors. */
    @Param({"0"})
    public int threads;

    private float[] wFp32, x, y, xs, ys, dxs;
    private Packed4bit wNf4;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        wNf4 = randomNf4(size, size, 64, 1);
        wFp32 = new float[size * size];
        wNf4.decode(0, size, 0, size, wFp32, 0, size); // the same weights in fp32
        x = random(size, 2);
        y = new float[size];
        xs = random(rows * size, 3);
        ys = new float[rows * size];
        dxs = new float[rows * size];
    }

    @Benchmark
    public float[] nf4Gemv() {
        QuantMatmul.gemv(wNf4, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] fp32Gemv() {
        Sgemm.sgemm(false, true, 1, size, size, 1f, x, 0, size, wFp32, 0, size, 0f, y, 0, size);
        return y;
    }

    @Benchmark
    public float[] nf4Matmul() {
        QuantMatmul.matmul(wNf4, xs, 0, rows, ys, 0);
        return ys;
    }

    @Benchmark
    public float[] fp32Matmul() {
        Sgemm.sgemm(false, true, rows, size, size, 1f, xs, 0, size, wFp32, 0, size, 0f, ys, 0, size);
        return ys;
    }

    @Benchmark
    public float[] nf4GradInput() {
        QuantMatmul.matmulGradInput(wNf4, ys, 0, rows, dxs, 0);
        return dxs;
    }

    @Benchmark
    public float[] fp32GradInput() {
        Sgemm.sgemm(false, false, rows, size, size, 1f, ys, 0, size, wFp32, 0, size, 0f, dxs, 0, size);
        return dxs;
    }

    static Packed4bit randomNf4(int out, int in, int blocksize, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] packed = new byte[out * in / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) r.nextInt(256);
        float[] absmax = new float[out * in / blocksize];
        for (int i = 0; i < absmax.length; i++) absmax[i] = (float) (0.01 + 0.05 * r.nextDouble());
        return new Packed4bit(packed, absmax, NF4, blocksize, out, in);
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }
}
