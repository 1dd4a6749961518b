package cortado.bench;

import cortado.tensor.AttentionMask;
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
 * Fused causal attention forward and backward (Backend.attention / attentionBackward) at GPT-2 124M training shape
 * (B=4, H=12, T=64, D=64) and at a long sequence (T=1024). Useful work: forward 2 * B*H*D * T(T+1) FLOP for causal
 * (the two T x T x D products, halved by the mask); backward 2.5x that (3.5x on shapes with fewer (batch, kv-head)
 * pairs than twice the threads, where P and dS are computed in two passes).
 * The {@code Padded} cases run a batch of left-padded prompts: row b's keys real in [b * T / (2B), T), the mask that
 * batched generation uses for its prefill (about a quarter of the causal work is skipped on B = 4).
 * The {@code Packed} cases run rows packed with sequences of T/4 tokens (SFT packing's block-diagonal causal mask):
 * key tiles before a query's own sequence are skipped, so the work falls toward a quarter of the causal case's.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar AttentionBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class AttentionBench {
    /** B,H,Hkv,T,D. */
    @Param({"4,12,12,64,64", "1,12,12,1024,64", "1,32,8,512,128"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor q, k, v, dout;
    private Backend.AttentionResult fwd, fwdPadded, fwdPacked;
    private AttentionMask padded, packed;
    private float scale;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] p = shape.split(",");
        int b = Integer.parseInt(p[0]), h = Integer.parseInt(p[1]), hkv = Integer.parseInt(p[2]);
        int t = Integer.parseInt(p[3]), d = Integer.parseInt(p[4]);
        Random r = new Random(42);
        q = BenchTensors.randn(r, b, h, t, d);
        k = BenchTensors.randn(r, b, hkv, t, d);
        v = BenchTensors.randn(r, b, hkv, t, d);
        dout = BenchTensors.randn(r, b, h, t, d);
        scale = (float) (1 / Math.sqrt(d));
        fwd = be.attention(q, k, v, true, scale);
        int[] start = new int[b], end = new int[b];
        for (int i = 0; i < b; i++) {
            start[i] = i * t / (2 * b);
            end[i] = t;
        }
        padded = AttentionMask.CAUSAL.withKeyRange(start, end, t);
        fwdPadded = be.attention(q, k, v, padded, scale);
        int[][] starts = new int[b][t];
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) starts[i][j] = j / Math.max(1, t / 4) * Math.max(1, t / 4);
        packed = AttentionMask.CAUSAL.withPackedSequences(starts);
        fwdPacked = be.attention(q, k, v, packed, scale);
    }

    @Benchmark
    public Backend.AttentionResult forwardPacked() { return be.attention(q, k, v, packed, scale); }

    @Benchmark
    public Backend.AttentionGrads backwardPacked() {
        return be.attentionBackward(dout, q, k, v, fwdPacked.out(), fwdPacked.lse(), packed, scale);
    }

    @Benchmark
    public Backend.AttentionResult forward() { return be.attention(q, k, v, true, scale); }

    @Benchmark
    public Backend.AttentionGrads backward() {
        return be.attentionBackward(dout, q, k, v, fwd.out(), fwd.lse(), true, scale);
    }

    @Benchmark
    public Backend.AttentionResult forwardPadded() { return be.attention(q, k, v, padded, scale); }

    @Benchmark
    public Backend.AttentionGrads backwardPadded() {
        return be.attentionBackward(dout, q, k, v, fwdPadded.out(), fwdPadded.lse(), padded, scale);
    }
}
