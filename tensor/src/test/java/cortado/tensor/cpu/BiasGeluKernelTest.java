package cortado.tensor.cpu;

import static cortado.tensor.cpu.ActivationsAndSoftmaxTest.gelu;
import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused bias + GELU against double formulas (forward; backward by central differences of sum(gelu(z + b) * g)),
 * the bias gradient's independence of the thread count, and the in-place bias add.
 */
class BiasGeluKernelTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(7);

    @Test
    void forwardAndBackwardMatchTheFormulas() {
        int n = 70, c = 45; // 70 rows: several row blocks and a partial one; 45 columns: vector body and scalar tail
        Tensor z = be.scale(randn(r, n, c), 2f), b = randn(r, c), g = randn(r, n, c);
        double[] zd = toDouble(z), bd = toDouble(b), gd = toDouble(g);
        double[] y = new double[n * c];
        for (int i = 0; i < y.length; i++) y[i] = gelu(zd[i] + bd[i % c]);
        // Tolerances as for the plain GELU kernel: float32 rounding of the sigmoid form, ~1e-6 relative.
        assertClose(be.biasGelu(z, b), y, 2e-6, 1e-6, "bias+gelu forward");

        Backend.BiasGeluGrads d = be.biasGeluBackward(g, z, b);
        double[] dz = numericGrad(zd, v -> {
            double s = 0;
            for (int i = 0; i < v.length; i++) s += gelu(v[i] + bd[i % c]) * gd[i];
            return s;
        }, 1e-5);
        assertClose(d.dz(), dz, 1e-4, 1e-5, "bias+gelu dz");
        double[] db = new double[c];
        for (int i = 0; i < dz.length; i++) db[i % c] += dz[i];
        assertClose(d.dbias(), db, 1e-4, 1e-4, "bias+gelu dbias");
    }

    @Test
    void withoutBiasItIsTheGeluKernel() {
        Tensor z = randn(r, 5, 33), g = randn(r, 5, 33);
        // Not bitwise: which elements take the scalar tail (tanh form) rather than the vector body (sigmoid form)
        // depends on how each kernel splits its loop; the two forms agree to float32 rounding.
        assertClose(be.biasGelu(z, null), toDouble(be.gelu(z)), 1e-6, 1e-6, "gelu without bias");
        Backend.BiasGeluGrads d = be.biasGeluBackward(g, z, null);
        assertClose(d.dz(), toDouble(be.geluBackward(g, z)), 1e-6, 1e-6, "gelu backward without bias");
        assertThat(d.dbias()).isNull();
    }

    @Test
    void biasGradientIsTheSameForEveryThreadCount() {
        Tensor z = randn(r, 300, 64), b = randn(r, 64), g = randn(r, 300, 64);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = be.biasGeluBackward(g, z, b).dbias().toArray();
            Parallel.setThreads(3);
            assertThat(be.biasGeluBackward(g, z, b).dbias().toArray()).containsExactly(one);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void addRowsInPlace() {
        Tensor x = randn(r, 3, 2, 19), row = randn(r, 19);
        float[] expected = be.add(x, row).toArray();
        be.addRowsInPlace(x, row);
        assertThat(x.toArray()).containsExactly(expected);
        assertThatThrownBy(() -> be.addRowsInPlace(x.transpose(0, 1), row)).hasMessageContaining("contiguous");
        assertThatThrownBy(() -> be.biasGelu(x, randn(r, 4))).hasMessageContaining("does not match");
    }
}
