package cortado.bench;

import cortado.quant.BlockwiseQuantizer;
import cortado.quant.Int8RowQuantizer;
import cortado.quant.QuantType;
import cortado.quant.Quantized4bit;
import cortado.tensor.Parallel;
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
 * The bitsandbytes-exact codecs on a 4096x4096 matrix (one Llama-7B projection): 4-bit quantization (NF4, blocksize
 * 64, with and without double quantization), full dequantization to fp32, 8-bit dynamic blockwise (256), LLM.int8 rows. This is the one-off cost of
 * `cortado quantize`; the per-token cost is the fused kernels' (QuantMatmulBench). No peer: bitsandbytes runs these on
 * the GPU.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar QuantCodecBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class QuantCodecBench {
    @Param({"1", "2"})
    public int threads;

    static final int N = 4096;
    float[] w;
    Quantized4bit nf4;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random r = new Random(1);
        w = new float[N * N];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
        nf4 = BlockwiseQuantizer.quantize4bit(w, new int[] {N, N}, QuantType.NF4, 64, true);
    }

    @Benchmark
    public Object quantizeNf4() { return BlockwiseQuantizer.quantize4bit(w, new int[] {N, N}, QuantType.NF4, 64, false); }

    @Benchmark
    public Object quantizeNf4DoubleQuant() { return BlockwiseQuantizer.quantize4bit(w, new int[] {N, N}, QuantType.NF4, 64, true); }

    @Benchmark
    public Object dequantizeNf4DoubleQuant() { return nf4.dequantize(); }

    @Benchmark
    public Object quantize8bitDynamic() { return BlockwiseQuantizer.quantize8bit(w, new int[] {N, N}); }

    @Benchmark
    public Object quantizeInt8Rows() { return Int8RowQuantizer.quantize(w, new int[] {N, N}); }
}
