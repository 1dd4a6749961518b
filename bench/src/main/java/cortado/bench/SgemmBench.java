package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.gemm.BlockedGemm;
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
 * sgemm throughput. {@code square}: C[n,n] = A @ B for n in 256..4096, on 1 thread and on all threads ({@code threads=0}).
 * {@code gpt2}: the shapes one GPT-2 124M training step (B*T = 256 tokens) multiplies, forward and backward, with their
 * transposes ({@code SgemmBench.Gpt2}). Time per call is reported; GFLOP/s = 2*m*n*k / time.
 *
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar 'SgemmBench.square' -p size=1024,2048 -p threads=1
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar 'SgemmBench.Gpt2'
 *   java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar 'SgemmBench.LoraRank'
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SgemmBench {
    @Param({"256", "512", "1024", "2048", "4096"})
    public int size;

    /** 1 = single thread; 0 = all available processors. */
    @Param({"1", "0"})
    public int threads;

    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        a = random((long) size * size, 1);
        b = random((long) size * size, 2);
        c = new float[size * size];
    }

    @Benchmark
    public float[] square() {
        Sgemm.sgemm(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);
        return c;
    }

    static float[] random(long n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** The matmuls of a GPT-2 124M step at B*T = 256: "m,n,k,transA,transB". Run as {@code SgemmBench.Gpt2}. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
    public static class Gpt2 {
        @Param({
                "256,2304,768,false,false",   // c_attn forward: x[256,768] @ W[768,2304] (Conv1D layout)
                "256,768,3072,false,false",   // mlp.c_proj forward
                "256,50257,768,false,true",   // lm_head forward: x @ wte^T
                "256,768,2304,false,true",    // c_attn backward dX = dY @ W^T
                "768,2304,256,true,false",    // c_attn backward dW = X^T @ dY
                "256,768,50257,false,false",  // lm_head backward dX = dLogits @ wte
                "50257,768,256,true,false"})  // lm_head backward dWte = dLogits^T @ X
        public String shape;

        @Param({"1", "0"})
        public int threads;

        int m, n, k;
        boolean transA, transB;
        float[] a, b, c;

        @Setup(Level.Trial)
        public void setUp() {
            String[] f = shape.split(",");
            m = Integer.parseInt(f[0]);
            n = Integer.parseInt(f[1]);
            k = Integer.parseInt(f[2]);
            transA = Boolean.parseBoolean(f[3]);
            transB = Boolean.parseBoolean(f[4]);
            Parallel.setThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
            a = random((long) m * k, 3);
            b = random((long) k * n, 4);
            c = new float[Math.multiplyExact(m, n)];
        }

        @Benchmark
        public float[] shape() {
            Sgemm.sgemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
            return c;
        }
    }

    /**
     * LoRA's low-rank products in a GPT-2 124M step at B*T = 1024, r = 16 ("m,n,k,transA,transB"), through sgemm's
     * dispatch ({@code sgemm}: the narrow path) and forced through the blocked loop nest ({@code blocked}), side by side.
     * Run as {@code SgemmBench.LoraRank}.
     */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
    public static class LoraRank {
        @Param({
                "1024,16,768,false,true",     // h = x A^T (A [16, 768])
                "1024,16,3072,false,false",   // dh = dz B (B [3072, 16])
                "3072,16,1024,true,false",    // dB = dz^T (s h)
                "16,768,1024,true,false"})    // dA = dh^T x: a short C
        public String shape;

        @Param({"1", "0"})
        public int threads;

        int m, n, k, nThreads;
        boolean transA, transB;
        float[] a, b, c;

        @Setup(Level.Trial)
        public void setUp() {
            String[] f = shape.split(",");
            m = Integer.parseInt(f[0]);
            n = Integer.parseInt(f[1]);
            k = Integer.parseInt(f[2]);
            transA = Boolean.parseBoolean(f[3]);
            transB = Boolean.parseBoolean(f[4]);
            nThreads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
            Parallel.setThreads(nThreads);
            a = random((long) m * k, 5);
            b = random((long) k * n, 6);
            c = new float[Math.multiplyExact(m, n)];
        }

        @Benchmark
        public float[] sgemm() {
            Sgemm.sgemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
            return c;
        }

        @Benchmark
        public float[] blocked() {
            BlockedGemm.run(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n, nThreads);
            return c;
        }
    }
}
