package cortado.bench;

import cortado.tensor.linalg.HouseholderQr;
import cortado.tensor.linalg.Svd;
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
 * The double-precision factorizations adapters are initialized with (PiSSA, LoftQ: SVD; OLoRA: QR), on one layer's
 * weight: a tiny test layer, a 256-wide one and GPT-2 124M's square attention projection (768 x 768) and its MLP
 * matrix (768 x 3072). Single-threaded by design (one-off work at adapter creation).
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar LinalgBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class LinalgBench {
    /** m,n. */
    @Param({"64,64", "256,256", "768,768", "768,3072"})
    public String shape;

    private double[] a;
    private int m, n;

    @Setup
    public void setup() {
        String[] p = shape.split(",");
        m = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        Random r = new Random(42);
        a = new double[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextGaussian() * 0.02;
    }

    @Benchmark public Svd svd() { return Svd.of(a, m, n); }

    @Benchmark public HouseholderQr qr() { return HouseholderQr.of(a, m, n); }
}
