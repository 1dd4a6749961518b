package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SGD, Lion, LAMB and Adafactor kernels: values by hand on a few elements, the same bits on 1, 2 and 3 threads
 * and on both CPU backends (sizes that split into several pieces and rows). Their parity with torch, timm and
 * transformers is checked in train (OptimizerParityTest).
 */
class OptimizerKernelsTest {
    @Test
    void sgdNesterovByHand() {
        Backend be = Backends.cpu();
        Tensor p = Tensor.of(new float[] {1f, -2f}, 2), buf = Tensor.of(new float[] {0.5f, 1f}, 2);
        Tensor g = Tensor.of(new float[] {0.25f, 0.5f}, 2);
        // g' = 2g + 0.1p = (0.6, 0.8); b = 0.9b + g' = (1.05, 1.7); d = g' + 0.9b = (1.545, 2.33); p - 0.1d
        be.sgdInPlace(p, g, buf, 0.1f, 0.9f, 0f, 0.1f, true, false, 2f);
        assertThat(buf.toArray()).containsExactly(new float[] {1.05f, 1.7f}, within(1e-6f));
        assertThat(p.toArray()).containsExactly(new float[] {1f - 0.1545f, -2f - 0.233f}, within(1e-6f));
        // the first step starts the buffer at the gradient itself (no dampening applied)
        Tensor q = Tensor.of(new float[] {1f}, 1), b2 = Tensor.zeros(1);
        be.sgdInPlace(q, Tensor.of(new float[] {2f}, 1), b2, 0.5f, 0.9f, 0.5f, 0f, false, true, 1f);
        assertThat(b2.toArray()).containsExactly(2f);
        assertThat(q.toArray()).containsExactly(0f);
    }

    @Test
    void lionTakesSignStepsAndLambAndAdafactorByHand() {
        Backend be = Backends.cpu();
        Tensor p = Tensor.of(new float[] {1f, 1f, 1f}, 3), m = Tensor.of(new float[] {0f, 1f, -1f}, 3);
        be.lionInPlace(p, Tensor.of(new float[] {-3f, 0f, 0f}, 3), m, 0.1f, 0.9f, 0.99f, 0.5f, 1f);
        // p*(1 - 0.05) - 0.1 sign(0.9m + 0.1g): signs -, +, -
        assertThat(p.toArray()).containsExactly(new float[] {1.05f, 0.85f, 1.05f}, within(1e-6f));
        assertThat(m.toArray()).containsExactly(new float[] {-0.03f, 0.99f, -0.99f}, within(1e-6f));

        // LAMB step 1 with bias correction: update = g/(|g| + eps) + wd p
        Tensor lp = Tensor.of(new float[] {2f}, 1), lm = Tensor.zeros(1), lv = Tensor.zeros(1), u = Tensor.zeros(1);
        be.lambUpdate(lp, Tensor.of(new float[] {-4f}, 1), lm, lv, u, 0.9f, 0.1f, 0.999f, 1e-6f, 0.5f, 0.1, 0.001, 1f);
        assertThat(u.toArray()[0]).isCloseTo(-4f / (4f + 1e-6f) + 1f, within(1e-5f));

        // Adafactor, one 2 x 2 matrix: rsqrt(row / mean(row)) rsqrt(col) g
        Tensor g = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2), row = Tensor.of(new float[] {1f, 3f}, 2),
                col = Tensor.of(new float[] {4f, 16f}, 2), upd = Tensor.zeros(2, 2);
        double sq = be.adafactorFactoredUpdate(g, row, col, upd, 1, 2, 2, 1f);
        float r0 = (float) Math.sqrt(2), r1 = (float) Math.sqrt(2.0 / 3);
        float[] want = {r0 / 2 * 1, r0 / 4 * 2, r1 / 2 * 3, r1 / 4 * 4};
        assertThat(upd.toArray()).containsExactly(want, within(1e-6f));
        double wantSq = 0;
        for (float w : want) wantSq += w * w;
        assertThat(sq).isCloseTo(wantSq, within(1e-6));
        Tensor v = Tensor.of(new float[] {1f}, 1), uv = Tensor.zeros(1);
        be.adafactorUnfactoredUpdate(Tensor.of(new float[] {2f}, 1), v, uv, 0.25f, 0f, 1f);
        assertThat(v.toArray()[0]).isCloseTo(0.25f + 0.75f * 4f, within(1e-6f));
        assertThat(uv.toArray()[0]).isCloseTo(2f / (float) Math.sqrt(3.25), within(1e-6f));
    }

    private static Tensor randn(Backend be, Random r, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numelOf(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return be.fromArray(v, shape);
    }

    private static Tensor positive(Backend be, Random r, int... shape) {
        Tensor t = randn(be, r, shape);
        float[] v = be.toArray(t);
        for (int i = 0; i < v.length; i++) v[i] = v[i] * v[i] + 0.1f;
        return be.fromArray(v, shape);
    }

    private static Map<String, float[]> run(Backend be) {
        Random r = new Random(11);
        Map<String, float[]> out = new LinkedHashMap<>();
        int n = 40_001;   // three pieces of 2^14 elements
        Tensor p = randn(be, r, n), g = randn(be, r, n), m = randn(be, r, n), v = positive(be, r, n), u = be.zeros(n);
        be.sgdInPlace(p, g, m, 0.1f, 0.9f, 0.1f, 0.01f, false, false, 0.5f);
        be.lionInPlace(p, g, m, 1e-3f, 0.9f, 0.99f, 0.1f, 1f);
        be.lambUpdate(p, g, m, v, u, 0.9f, 0.1f, 0.999f, 1e-6f, 0.01f, 0.19, 0.002, 0.7f);
        double sq1 = be.adafactorUnfactoredUpdate(g, v, u, 0.5f, 1e-30f, 0.5f);
        out.put("p", be.toArray(p));
        out.put("m", be.toArray(m));
        out.put("v", be.toArray(v));
        Tensor gm = randn(be, r, 3, 41, 67), row = positive(be, r, 3 * 41), col = positive(be, r, 3 * 67),
                um = be.zeros(3, 41, 67);
        double sq2 = be.adafactorFactoredUpdate(gm, row, col, um, 3, 41, 67, 0.9f);
        out.put("u", be.toArray(u));
        out.put("um", be.toArray(um));
        out.put("sums", new float[] {(float) sq1, (float) sq2, (float) (sq1 - Math.rint(sq1)), (float) (sq2 - Math.rint(sq2))});
        return out;
    }

    @Test
    void sameBitsOnEveryThreadCountAndBothBackends() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Map<String, float[]> one = run(Backends.cpu());
            for (int threads : new int[] {2, 3}) {
                Parallel.setThreads(threads);
                for (Backend be : new Backend[] {Backends.cpu(), Backends.offHeap()}) {
                    Map<String, float[]> many = run(be);
                    one.forEach((name, values) -> assertThat(many.get(name))
                            .as(name + " on " + be.name() + " with " + threads + " threads").containsExactly(values));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void shapesAndBackendsAreChecked() {
        Backend cpu = Backends.cpu();
        Tensor a = cpu.zeros(2, 3), b = cpu.zeros(3, 2), off = Backends.offHeap().zeros(2, 3);
        assertThatThrownBy(() -> cpu.lionInPlace(a, b, a, 1f, 0.9f, 0.99f, 0f, 1f))
                .hasMessage("lion: shape [3, 2] differs from param [2, 3]");
        assertThatThrownBy(() -> cpu.sgdInPlace(a, a, off, 1f, 0.9f, 0f, 0f, false, true, 1f))
                .hasMessageContaining("lives on offheap").hasMessageContaining("runs on cpu");
        assertThatThrownBy(() -> cpu.sgdInPlace(a, a, null, 1f, 0.9f, 0f, 0f, false, true, 1f))
                .hasMessageContaining("momentum 0.9 needs a buffer");
        assertThatThrownBy(() -> cpu.adafactorFactoredUpdate(a, cpu.zeros(3), cpu.zeros(3), a, 1, 2, 3, 1f))
                .hasMessageContaining("do not fit 1 x 2 x 3");
    }
}
