package cortado.tensor.offheap;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The off-heap kernels give the same bits on 1, 2 and 3 threads (the project's determinism rule: splits are fixed by
 * the sizes, partial sums added in a fixed order), on sizes with ragged SIMD tails and enough elements or rows that
 * every kernel splits its work (more than one piece of 2^15 elements, or of rows).
 */
class OffHeapThreadCountTest {
    private final Backend off = Backends.offHeap();

    private Tensor randn(Random r, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numelOf(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return off.fromArray(v, shape);
    }

    private Map<String, float[]> run() {
        Random r = new Random(7);
        Map<String, float[]> out = new LinkedHashMap<>();
        Tensor a = randn(r, 70_001), b = randn(r, 70_001);
        out.put("add", off.toArray(off.add(a, b)));
        out.put("exp", off.toArray(off.exp(a)));
        out.put("sumAll", new float[] {(float) off.sumAll(a), (float) (off.sumOfSquares(b) - 70_001)});
        Tensor x = randn(r, 700, 101), w = randn(r, 101), bias = randn(r, 101), dy = randn(r, 700, 101);
        Backend.NormResult ln = off.layerNorm(x, w, bias, 1e-5f);
        Backend.NormGrads lg = off.layerNormBackward(dy, x, w, ln.mean(), ln.rstd());
        out.put("layerNorm", off.toArray(ln.out()));
        out.put("layerNorm.dx", off.toArray(lg.dx()));
        out.put("layerNorm.dw", off.toArray(lg.dweight()));
        out.put("layerNorm.db", off.toArray(lg.dbias()));
        Backend.NormResult rn = off.rmsNorm(x, w, 1e-6f);
        out.put("rmsNorm.dw", off.toArray(off.rmsNormBackward(dy, x, w, rn.rstd()).dweight()));
        out.put("softmax", off.toArray(off.softmaxBackward(dy, off.softmax(x))));
        out.put("biasGelu.db", off.toArray(off.biasGeluBackward(dy, x, bias).dbias()));
        out.put("sum0", off.toArray(off.sum(x, 0, false)));
        out.put("sumToShape", off.toArray(off.sumToShape(x.reshape(7, 100, 101), new int[] {1, 101})));
        int[] targets = new int[700];
        for (int i = 0; i < targets.length; i++) targets[i] = i % 7 == 0 ? -100 : (i * 13) % 101;
        Backend.CrossEntropyResult ce = off.crossEntropy(x, targets, -100);
        out.put("ce", new float[] {ce.loss()});
        out.put("ce.grad", off.toArray(off.crossEntropyBackward(x, targets, ce.lse(), -100, 1f, ce.counted())));
        Tensor q = randn(r, 2, 4, 40, 16), k = randn(r, 2, 2, 40, 16), v = randn(r, 2, 2, 40, 16),
                dout = randn(r, 2, 4, 40, 16);
        AttentionMask mask = AttentionMask.CAUSAL.withSlidingWindow(9);
        Backend.AttentionResult at = off.attention(q, k, v, mask, 0.25f);
        Backend.AttentionGrads ag = off.attentionBackward(dout, q, k, v, at.out(), at.lse(), mask, 0.25f);
        out.put("attention", off.toArray(at.out()));
        out.put("attention.dk", off.toArray(ag.dk()));
        out.put("attention.dq", off.toArray(ag.dq()));
        Tensor p = randn(r, 50_003), g = randn(r, 50_003), m = off.zeros(50_003), vv = off.zeros(50_003);
        off.adamwInPlace(p, g, m, vv, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 1);
        out.put("adamw", off.toArray(p));
        return out;
    }

    @Test
    void everyKernelGivesTheSameBitsOnAnyThreadCount() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Map<String, float[]> one = run();
            for (int threads : new int[] {2, 3}) {
                Parallel.setThreads(threads);
                Map<String, float[]> many = run();
                one.forEach((name, values) -> assertThat(many.get(name)).as(name + " on " + threads + " threads")
                        .containsExactly(values));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
