package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Backend;
import cortado.tensor.Backend.CrossEntropyResult;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrossEntropyAndAdamWTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(7);

    static double ceRef(double[] logits, int[] targets, int v, int ignore) {
        double total = 0;
        int counted = 0;
        for (int n = 0; n < targets.length; n++) {
            if (targets[n] == ignore) continue;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int i = 0; i < v; i++) m = Math.max(m, logits[n * v + i]);
            for (int i = 0; i < v; i++) s += Math.exp(logits[n * v + i] - m);
            total += m + Math.log(s) - logits[n * v + targets[n]];
            counted++;
        }
        return total / counted;
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        int n = 7, v = 133;
        Tensor logits = be.scale(randn(r, n, v), 3f);
        int[] targets = {5, -100, 132, 0, -100, 77, 5};
        double[] ld = toDouble(logits);
        CrossEntropyResult res = be.crossEntropy(logits, targets, -100);
        assertThat(res.counted()).isEqualTo(5);
        assertThat((double) res.loss()).isCloseTo(ceRef(ld, targets, v, -100), within(1e-5));
        double[] expected = numericGrad(ld, x -> 2.5 * ceRef(x, targets, v, -100), 1e-4);
        Tensor dl = be.crossEntropyBackward(logits, targets, res.lse(), -100, 2.5f, res.counted());
        assertClose(dl, expected, 1e-5, 1e-7, "dlogits");
        for (int i = 0; i < v; i++) assertThat(dl.get(1, i)).isZero();
    }

    /**
     * The in-place gradient (over a row-strided view whose padding must stay untouched) equals the out-of-place one
     * bit for bit, ignored rows included: both run the same per-element formula, so the tolerance is zero.
     */
    @Test
    void crossEntropyGradientWrittenOverTheLogits() {
        int n = 6, v = 1000;
        Tensor wide = be.scale(randn(r, n, v + 5), 4f);
        Tensor logits = wide.slice(1, 2, 2 + v);
        int[] targets = {3, -100, 999, 0, 512, -100};
        CrossEntropyResult res = be.crossEntropy(logits, targets, -100);
        float[] expected = be.crossEntropyBackward(logits, targets, res.lse(), -100, 0.7f, res.counted()).toArray();
        float[] before = wide.toArray();
        be.crossEntropyBackwardInPlace(logits, targets, res.lse(), -100, 0.7f, res.counted());
        assertThat(logits.contiguous().toArray()).containsExactly(expected);
        float[] after = wide.toArray();
        for (int row = 0; row < n; row++)
            for (int col : new int[] {0, 1, v + 2, v + 3, v + 4})
                assertThat(after[row * (v + 5) + col]).isEqualTo(before[row * (v + 5) + col]);
    }

    @Test
    void crossEntropyReadsRowStridedLogitsAtVocabScale() {
        int n = 3, v = 50257;
        Tensor wide = randn(r, n, v + 9);
        Tensor logits = wide.slice(1, 4, 4 + v);           // rows 50266 apart
        int[] targets = {50256, 17, 3000};
        double[] ld = toDouble(logits);
        CrossEntropyResult res = be.crossEntropy(logits, targets, -1);
        assertThat((double) res.loss()).isCloseTo(ceRef(ld, targets, v, -1), within(1e-5));
        Tensor dl = be.crossEntropyBackward(logits, targets, res.lse(), -1, 1f, res.counted());
        double rowSum = 0;
        for (int i = 0; i < v; i++) rowSum += dl.get(2, i);
        assertThat(rowSum).isCloseTo(0, within(1e-6));   // softmax minus one-hot sums to zero
    }

    @Test
    void adamwMatchesPytorchFormula() {
        int n = 1000;
        Tensor p = randn(r, n), m = Tensor.zeros(n), v = Tensor.zeros(n);
        double[] pd = toDouble(p), md = new double[n], vd = new double[n];
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
        for (int step = 1; step <= 5; step++) {
            Tensor g = randn(r, n);
            double[] gd = toDouble(g);
            be.adamwInPlace(p, g, m, v, lr, b1, b2, eps, wd, step);
            double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
            for (int i = 0; i < n; i++) {
                pd[i] *= 1 - (double) lr * wd;
                md[i] = b1 * md[i] + (1 - (double) b1) * gd[i];
                vd[i] = b2 * vd[i] + (1 - (double) b2) * gd[i] * gd[i];
                pd[i] -= lr / bc1 * md[i] / (Math.sqrt(vd[i]) / Math.sqrt(bc2) + eps);
            }
        }
        // float32 state over 5 steps: updates are ~lr, so 1e-6 absolute is a fraction of a percent of one update
        assertClose(p, pd, 0, 2e-6, "param");
        assertClose(m, md, 0, 1e-6, "m");
        assertClose(v, vd, 1e-5, 1e-7, "v");
    }
}
