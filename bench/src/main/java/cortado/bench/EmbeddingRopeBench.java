package cortado.bench;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.RopeTable;
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
 * Embedding gather and scatter-add backward at GPT-2's table [50257, 768] for B*T = 256 tokens (the backward's cost is
 * mostly the fresh [V, C] gradient), and rotary embeddings on Llama-style [B, H, T, D] = [4, 32, 256, 128].
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar EmbeddingRopeBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class EmbeddingRopeBench {
    @Param({"1", "2"})
    public int threads;

    private final Backend be = Backends.cpu();
    private Tensor table, dy, x;
    private int[] ids, positions;
    private RopeTable ropeTable;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Random r = new Random(42);
        table = BenchTensors.randn(r, 50257, 768);
        ids = new int[256];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(50257);
        dy = BenchTensors.randn(r, 256, 768);
        x = BenchTensors.randn(r, 4, 32, 256, 128);
        positions = new int[4 * 256];
        for (int i = 0; i < positions.length; i++) positions[i] = i % 256;
        float[] invFreq = new float[64];
        for (int i = 0; i < 64; i++) invFreq[i] = (float) Math.pow(10000, -2.0 * i / 128);
        ropeTable = RopeTable.build(invFreq, 256, 1f);
    }

    @Benchmark public Tensor embeddingForward() { return be.embedding(table, ids); }

    @Benchmark public Tensor embeddingBackward() { return be.embeddingBackward(dy, ids, 50257); }

    /** The tied-embedding path: the rows added into an existing [V, C] gradient (only the used rows touched). */
    @Benchmark public Tensor embeddingBackwardInto() {
        be.embeddingBackwardInto(table, dy, ids);
        return table;
    }

    @Benchmark public Tensor rope() { return be.rope(x, positions, ropeTable, false); }
}
