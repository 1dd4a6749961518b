package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * GELU, SiLU, softmax and log-softmax: forward against double formulas; backward against central differences of the
 * double reference of L = sum(y * g) for a random g, which checks the backward formula itself.
 */
class ActivationsAndSoftmaxTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(4);

    static double gelu(double x) { return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))); }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }

    private void checkPointwise(java.util.function.UnaryOperator<Tensor> fwd,
                                java.util.function.BinaryOperator<Tensor> bwd, DoubleUnaryOperator ref, String name) {
        Tensor x = be.scale(randn(r, 7, 45), 2f);    // 315 elements: vector body and scalar tail
        double[] xd = toDouble(x);
        double[] y = new double[xd.length];
        for (int i = 0; i < y.length; i++) y[i] = ref.applyAsDouble(xd[i]);
        assertClose(fwd.apply(x), y, 2e-6, 1e-6, name);
        Tensor g = randn(r, 7, 45);
        double[] gd = toDouble(g);
        double[] expected = numericGrad(xd, v -> {
            double s = 0;
            for (int i = 0; i < v.length; i++) s += ref.applyAsDouble(v[i]) * gd[i];
            return s;
        }, 1e-5);
        // float32 evaluation of the derivative formula: 1e-5 relative to the largest gradient
        assertClose(bwd.apply(g, x), expected, 1e-5, 1e-5, name + " backward");
        assertClose(bwd.apply(g.transpose(0, 1).contiguous().transpose(0, 1), x), expected, 1e-5, 1e-5, name + " backward, strided dy");
    }

    @Test
    void gelu() { checkPointwise(be::gelu, be::geluBackward, ActivationsAndSoftmaxTest::gelu, "gelu"); }

    @Test
    void silu() { checkPointwise(be::silu, be::siluBackward, ActivationsAndSoftmaxTest::silu, "silu"); }

    @Test
    void activationsStayFiniteAtExtremeInputs() {
        float[] v = new float[48];
        for (int i = 0; i < v.length; i++) v[i] = (i % 2 == 0 ? 1 : -1) * (float) Math.pow(1.6, i % 24);   // up to ~5e4
        Tensor x = Tensor.of(v, 3, 16);
        Tensor g = Tensor.full(1f, 3, 16);
        double[] gelu = new double[v.length], silu = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            gelu[i] = gelu(v[i]);
            silu[i] = silu(v[i]);
        }
        assertClose(be.gelu(x), gelu, 2e-6, 1e-6, "gelu extremes");
        assertClose(be.silu(x), silu, 2e-6, 1e-6, "silu extremes");
        for (float d : be.geluBackward(g, x).toArray()) org.assertj.core.api.Assertions.assertThat(d).isBetween(-0.2f, 1.2f);
        for (float d : be.siluBackward(g, x).toArray()) org.assertj.core.api.Assertions.assertThat(d).isBetween(-0.2f, 1.2f);
    }

    private static double[] softmaxRef(double[] x, int rows, int n, boolean log) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int i = 0; i < n; i++) m = Math.max(m, x[r * n + i]);
            for (int i = 0; i < n; i++) s += Math.exp(x[r * n + i] - m);
            for (int i = 0; i < n; i++) y[r * n + i] = log ? x[r * n + i] - m - Math.log(s) : Math.exp(x[r * n + i] - m) / s;
        }
        return y;
    }

    private void checkSoftmax(boolean log) {
        int rows = 6, n = 53;
        Tensor x = be.scale(randn(r, n, rows), 3f).transpose(0, 1);     // strided input
        double[] xd = toDouble(x);
        Tensor y = log ? be.logSoftmax(x) : be.softmax(x);
        assertClose(y, softmaxRef(xd, rows, n, log), 2e-6, 1e-7, log ? "logSoftmax" : "softmax");
        Tensor g = randn(r, rows, n);
        double[] gd = toDouble(g);
        double[] expected = numericGrad(xd, v -> {
            double[] yy = softmaxRef(v, rows, n, log);
            double s = 0;
            for (int i = 0; i < yy.length; i++) s += yy[i] * gd[i];
            return s;
        }, 1e-5);
        Tensor dx = log ? be.logSoftmaxBackward(g, y) : be.softmaxBackward(g, y);
        assertClose(dx, expected, 1e-5, 1e-6, (log ? "logSoftmax" : "softmax") + " backward");
    }

    @Test
    void softmax() { checkSoftmax(false); }

    @Test
    void logSoftmax() { checkSoftmax(true); }

    @Test
    void softmaxOfLargeLogitsIsStable() {
        Tensor x = Tensor.of(new float[] {1000f, 1001f, 999f}, 1, 3);
        assertClose(be.softmax(x), softmaxRef(new double[] {1000, 1001, 999}, 1, 3, false), 1e-6, 0, "stable softmax");
    }
}
