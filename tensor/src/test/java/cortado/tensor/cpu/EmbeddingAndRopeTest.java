package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingAndRopeTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(6);

    @Test
    void embeddingGathersRowsAndScatterAddsGradients() {
        Tensor w = randn(r, 11, 37);
        int[] ids = {3, 0, 10, 3, 3, 7};
        Tensor e = be.embedding(w, ids);
        assertThat(e.shape()).isEqualTo(new int[] {6, 37});
        for (int i = 0; i < ids.length; i++)
            for (int c = 0; c < 37; c++) assertThat(e.get(i, c)).isEqualTo(w.get(ids[i], c));
        // a transposed table view reads the same rows
        Tensor wt = be.copy(w).transpose(0, 1).contiguous().transpose(0, 1);
        assertThat(be.embedding(wt, ids).toArray()).isEqualTo(e.toArray());

        int[] many = new int[600];
        for (int i = 0; i < many.length; i++) many[i] = r.nextInt(11);
        Tensor dy = randn(r, many.length, 37);
        Tensor dw = be.embeddingBackward(dy, many, 11);
        double[] expected = new double[11 * 37];
        for (int i = 0; i < many.length; i++) for (int c = 0; c < 37; c++) expected[many[i] * 37 + c] += dy.get(i, c);
        assertClose(dw, expected, 1e-6, 1e-5, "embedding backward");
    }

    @Test
    void badIdsAreNamed() {
        assertThatThrownBy(() -> be.embedding(Tensor.zeros(4, 2), new int[] {1, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 4 at position 1");
    }

    /** Double reference of rotate-half RoPE on [B,H,T,D]. */
    static double[] ropeRef(double[] x, int[] shape, int start, double theta) {
        int t = shape[2], d = shape[3], half = d / 2;
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / d; row++) {
            int pos = start + row % t;
            for (int i = 0; i < half; i++) {
                double a = pos * Math.pow(theta, -2.0 * i / d);
                double x1 = x[row * d + i], x2 = x[row * d + i + half];
                y[row * d + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                y[row * d + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
            }
        }
        return y;
    }

    @Test
    void ropeRotatesPairsAndInverseIsItsBackward() {
        int[] shape = {2, 3, 5, 40};
        Tensor x = randn(r, 2, 5, 3, 40).transpose(1, 2);   // [B,H,T,D] as attention sees it: a view
        double[] xd = toDouble(x);
        assertClose(be.rope(x, 4, 10000f, false), ropeRef(xd, shape, 4, 10000), 1e-5, 1e-6, "rope");
        Tensor g = randn(r, shape);
        double[] gd = toDouble(g);
        double[] expected = numericGrad(xd, v -> {
            double[] y = ropeRef(v, shape, 4, 10000);
            double s = 0;
            for (int i = 0; i < y.length; i++) s += y[i] * gd[i];
            return s;
        }, 1e-4);
        assertClose(be.rope(g, 4, 10000f, true), expected, 1e-5, 1e-6, "rope backward");
        // round trip
        assertClose(be.rope(be.rope(x, 9, 500f, false), 9, 500f, true), xd, 1e-5, 1e-6, "rope inverse");
    }
}
