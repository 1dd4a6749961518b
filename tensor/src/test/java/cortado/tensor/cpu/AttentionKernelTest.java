package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Backend;
import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fused attention against the naive softmax(scale Q K^T + mask) V in double precision, for multi-head and grouped-query
 * layouts, causal with T == S and with a KV-cache offset (T < S), across several key tiles and query blocks.
 * The naive backward used as reference is itself checked against finite differences.
 */
class AttentionKernelTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(8);

    record Dims(int b, int h, int hkv, int t, int s, int d) {}

    /** out[b,h,t,:] and, when dout != null, gradients {dq, dk, dv} by the textbook formulas. */
    static double[][] naive(Dims z, double[] q, double[] k, double[] v, double[] dout, boolean causal, double scale) {
        int group = z.h / z.hkv;
        double[] out = new double[z.b * z.h * z.t * z.d];
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        for (int b = 0; b < z.b; b++)
            for (int h = 0; h < z.h; h++) {
                int hk = h / group;
                for (int i = 0; i < z.t; i++) {
                    int qo = ((b * z.h + h) * z.t + i) * z.d;
                    int visible = causal ? z.s - z.t + i + 1 : z.s;
                    double[] p = new double[visible];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        int ko = ((b * z.hkv + hk) * z.s + j) * z.d;
                        double s = 0;
                        for (int x = 0; x < z.d; x++) s += q[qo + x] * k[ko + x];
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int j = 0; j < visible; j++) p[j] /= sum;
                    for (int j = 0; j < visible; j++) {
                        int vo = ((b * z.hkv + hk) * z.s + j) * z.d;
                        for (int x = 0; x < z.d; x++) out[qo + x] += p[j] * v[vo + x];
                    }
                    if (dout == null) continue;
                    double[] dp = new double[visible];
                    double rowDot = 0;
                    for (int j = 0; j < visible; j++) {
                        int vo = ((b * z.hkv + hk) * z.s + j) * z.d;
                        for (int x = 0; x < z.d; x++) {
                            dp[j] += dout[qo + x] * v[vo + x];
                            dv[vo + x] += p[j] * dout[qo + x];
                        }
                        rowDot += p[j] * dp[j];
                    }
                    for (int j = 0; j < visible; j++) {
                        double ds = p[j] * (dp[j] - rowDot) * scale;
                        int ko = ((b * z.hkv + hk) * z.s + j) * z.d;
                        for (int x = 0; x < z.d; x++) {
                            dq[qo + x] += ds * k[ko + x];
                            dk[ko + x] += ds * q[qo + x];
                        }
                    }
                }
            }
        return new double[][] {out, dq, dk, dv};
    }

    static double loss(Dims z, double[] q, double[] k, double[] v, double[] g, boolean causal, double scale) {
        double[] out = naive(z, q, k, v, null, causal, scale)[0];
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * g[i];
        return s;
    }

    @Test
    void naiveBackwardAgreesWithFiniteDifferences() {
        Dims z = new Dims(1, 4, 2, 3, 5, 6);
        double scale = 0.4;
        double[] q = toDouble(randn(r, 1, 4, 3, 6)), k = toDouble(randn(r, 1, 2, 5, 6)), v = toDouble(randn(r, 1, 2, 5, 6));
        double[] g = toDouble(randn(r, 1, 4, 3, 6));
        double[][] ref = naive(z, q, k, v, g, true, scale);
        float[][] got = {toFloat(ref[1]), toFloat(ref[2]), toFloat(ref[3])};
        assertClose(got[0], numericGrad(q, x -> loss(z, x, k, v, g, true, scale), 1e-6), 1e-6, 1e-7, "naive dq");
        assertClose(got[1], numericGrad(k, x -> loss(z, q, x, v, g, true, scale), 1e-6), 1e-6, 1e-7, "naive dk");
        assertClose(got[2], numericGrad(v, x -> loss(z, q, k, x, g, true, scale), 1e-6), 1e-6, 1e-7, "naive dv");
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private void check(Dims z, boolean causal, boolean viewInputs) {
        float scale = (float) (1 / Math.sqrt(z.d));
        Tensor q, k, v;
        if (viewInputs) {   // [B,T,H,D] projections viewed as [B,H,T,D], as a model produces them
            q = randn(r, z.b, z.t, z.h, z.d).transpose(1, 2);
            k = randn(r, z.b, z.s, z.hkv, z.d).transpose(1, 2);
            v = randn(r, z.b, z.s, z.hkv, z.d).transpose(1, 2);
        } else {
            q = randn(r, z.b, z.h, z.t, z.d);
            k = randn(r, z.b, z.hkv, z.s, z.d);
            v = randn(r, z.b, z.hkv, z.s, z.d);
        }
        Tensor g = randn(r, z.b, z.h, z.t, z.d);
        double[][] ref = naive(z, toDouble(q), toDouble(k), toDouble(v), toDouble(g), causal, scale);
        AttentionResult res = be.attention(q, k, v, causal, scale);
        assertThat(res.out().shape()).isEqualTo(new int[] {z.b, z.h, z.t, z.d});
        assertThat(res.lse().shape()).isEqualTo(new int[] {z.b, z.h, z.t});
        String what = z + (causal ? " causal" : "");
        // float32 dot products of length D and sums over S keys: 1e-5 of the largest value
        assertClose(res.out(), ref[0], 1e-5, 1e-6, "out " + what);
        AttentionGrads gr = be.attentionBackward(g, q, k, v, res.out(), res.lse(), causal, scale);
        assertThat(gr.dk().shape()).isEqualTo(k.shape());
        assertClose(gr.dq(), ref[1], 2e-5, 1e-6, "dq " + what);
        assertClose(gr.dk(), ref[2], 2e-5, 1e-6, "dk " + what);
        assertClose(gr.dv(), ref[3], 2e-5, 1e-6, "dv " + what);
    }

    @Test
    void multiHeadCausalAcrossTiles() { check(new Dims(2, 3, 3, 150, 150, 32), true, false); }

    @Test
    void groupedQueryWithKvCacheOffset() { check(new Dims(1, 6, 2, 37, 133, 20), true, true); }

    @Test
    void singleQueryDecodingStep() { check(new Dims(2, 4, 1, 1, 70, 64), true, false); }

    @Test
    void nonCausalAndWideHeads() {
        check(new Dims(1, 2, 2, 40, 90, 128), false, true);
        check(new Dims(1, 2, 1, 17, 17, 7), false, false);
    }
}
