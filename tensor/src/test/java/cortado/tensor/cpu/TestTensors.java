package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Random inputs, double-precision finite differences and closeness checks shared by the kernel tests. */
final class TestTensors {
    private TestTensors() {}

    static Tensor randn(Random r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return t;
    }

    static double[] toDouble(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Central differences of f at x in double precision (step h). */
    static double[] numericGrad(double[] x, ToDoubleFunction<double[]> f, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double up = f.applyAsDouble(x);
            x[i] = keep - h;
            double down = f.applyAsDouble(x);
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** Asserts |actual - expected| <= atol + rtol * max|expected| elementwise. */
    static void assertClose(float[] actual, double[] expected, double rtol, double atol, String what) {
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        double tol = atol + rtol * scale;
        for (int i = 0; i < actual.length; i++)
            assertThat((double) actual[i]).as(what + "[" + i + "]").isCloseTo(expected[i], org.assertj.core.api.Assertions.within(tol));
    }

    static void assertClose(Tensor actual, double[] expected, double rtol, double atol, String what) {
        assertClose(actual.toArray(), expected, rtol, atol, what);
    }

    static void assertClose(Tensor actual, Tensor expected, double rtol, double atol, String what) {
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        assertClose(actual.toArray(), toDouble(expected), rtol, atol, what);
    }
}
