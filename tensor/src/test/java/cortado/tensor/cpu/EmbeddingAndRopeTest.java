package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.RopeTable;
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

    /** Double reference of rotate-half RoPE on [B,H,T,D], token (b, t) at positions[b*T + t], cos/sin times scale. */
    static double[] ropeRef(double[] x, int[] shape, int[] positions, double theta, double scale) {
        int h = shape[1], t = shape[2], d = shape[3], half = d / 2;
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / d; row++) {
            int pos = positions[(row / (h * t)) * t + row % t];
            for (int i = 0; i < half; i++) {
                double a = pos * Math.pow(theta, -2.0 * i / d);
                double x1 = x[row * d + i], x2 = x[row * d + i + half];
                y[row * d + i] = scale * (x1 * Math.cos(a) - x2 * Math.sin(a));
                y[row * d + i + half] = scale * (x2 * Math.cos(a) + x1 * Math.sin(a));
            }
        }
        return y;
    }

    static int[] range(int b, int t, int start) {
        int[] p = new int[b * t];
        for (int i = 0; i < p.length; i++) p[i] = start + i % t;
        return p;
    }

    static float[] invFreq(int d, double theta) {
        float[] f = new float[d / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) Math.pow(theta, -2.0 * i / d);
        return f;
    }

    @Test
    void ropeRotatesPairsAndInverseIsItsBackward() {
        int[] shape = {2, 3, 5, 40};
        Tensor x = randn(r, 2, 5, 3, 40).transpose(1, 2);   // [B,H,T,D] as attention sees it: a view
        double[] xd = toDouble(x);
        int[] pos = range(2, 5, 4);
        RopeTable table = RopeTable.build(invFreq(40, 10000), 64, 1f);
        assertClose(be.rope(x, pos, table, false), ropeRef(xd, shape, pos, 10000, 1), 1e-5, 1e-6, "rope");
        Tensor g = randn(r, shape);
        double[] gd = toDouble(g);
        double[] expected = numericGrad(xd, v -> {
            double[] y = ropeRef(v, shape, pos, 10000, 1);
            double s = 0;
            for (int i = 0; i < y.length; i++) s += y[i] * gd[i];
            return s;
        }, 1e-4);
        assertClose(be.rope(g, pos, table, true), expected, 1e-5, 1e-6, "rope backward");
        // round trip
        RopeTable t500 = RopeTable.build(invFreq(40, 500), 20, 1f);
        int[] pos9 = range(2, 5, 9);
        assertClose(be.rope(be.rope(x, pos9, t500, false), pos9, t500, true), xd, 1e-5, 1e-6, "rope inverse");
    }

    @Test
    void everyTokenTakesItsOwnPositionAndTheTableScale() {
        // Left-padded rows: row 0 is at 0..4, row 1 (two pads) at 0,0,0,1,2, as HF's position_ids for padded prompts.
        int[] shape = {2, 3, 5, 8};
        Tensor x = randn(r, shape);
        double[] xd = toDouble(x);
        int[] pos = {0, 1, 2, 3, 4, 0, 0, 0, 1, 2};
        RopeTable table = RopeTable.build(invFreq(8, 100), 5, 1.25f);   // YaRN-style attention factor 1.25
        assertClose(be.rope(x, pos, table, false), ropeRef(xd, shape, pos, 100, 1.25), 1e-5, 1e-6, "per-row rope");
        assertThatThrownBy(() -> be.rope(x, new int[] {0, 1, 2, 3, 5, 0, 0, 0, 1, 2}, table, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position id 5 at 4");
        assertThatThrownBy(() -> be.rope(x, new int[3], table, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected B*T = 2*5");
        assertThatThrownBy(() -> be.rope(x, pos, RopeTable.build(invFreq(6, 100), 5, 1f), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("head dim 8 needs 4");
    }
}
