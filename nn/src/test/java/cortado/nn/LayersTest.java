package cortado.nn;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each layer against a plain double-precision loop written from the paper's formula, so a wrong head split, weight
 * layout or rotary convention shows up here, not only in the transformers parity test. Tolerance 1e-5 relative to the
 * largest output: float32 sums of at most a few hundred products.
 */
class LayersTest {
    private static final SplittableRandom RNG = new SplittableRandom(123);

    private static void fill(Parameter p, double scale) {
        float[] d = p.value().data();
        for (int i = 0; i < d.length; i++) d[i] = (float) ((RNG.nextDouble() * 2 - 1) * scale);
    }

    private static Tensor random(double scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) ((RNG.nextDouble() * 2 - 1) * scale);
        return t;
    }

    private static void assertClose(Tensor actual, double[] expected) {
        float[] a = actual.toArray();
        assertThat(a).hasSize(expected.length);
        double max = 1e-12;
        for (double e : expected) max = Math.max(max, Math.abs(e));
        for (int i = 0; i < a.length; i++)
            assertThat(Math.abs(a[i] - expected[i]) / max).as("element %d: %s vs %s", i, a[i], expected[i])
                    .isLessThan(1e-5);
    }

    /** y[n, o] = sum_i x[n, i] * w(o, i) + b[o] with w read through a layout function. */
    private interface Weight { double at(int out, int in); }

    private static double[] affine(float[] x, int n, int in, int out, Weight w, float[] b) {
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * w.at(o, i);
                y[r * out + o] = s;
            }
        return y;
    }

    @Test
    void linearStoresWeightOutByIn() {
        Linear l = new Linear(6, 4, true);
        fill(l.weight(), 1);
        fill(l.bias(), 1);
        Tensor x = random(1, 5, 6);
        float[] w = l.weight().value().toArray();
        assertClose(l.forward(x), affine(x.toArray(), 5, 6, 4, (o, i) -> w[o * 6 + i], l.bias().value().toArray()));
    }

    @Test
    void conv1dStoresWeightInByOut() {
        Conv1D c = new Conv1D(6, 4);
        fill(c.weight(), 1);
        fill(c.bias(), 1);
        Tensor x = random(1, 5, 6);
        float[] w = c.weight().value().toArray();
        assertClose(c.forward(x), affine(x.toArray(), 5, 6, 4, (o, i) -> w[i * 4 + o], c.bias().value().toArray()));
    }

    @Test
    void normsMatchTheirFormulas() {
        int n = 3, c = 8;
        Tensor x = random(2, n, c);
        float[] xs = x.toArray();
        LayerNorm ln = new LayerNorm(c, 1e-5f);
        fill(ln.weight(), 1);
        fill(ln.bias(), 1);
        RMSNorm rms = new RMSNorm(c, 1e-6f);
        fill(rms.weight(), 1);
        float[] lw = ln.weight().value().toArray(), lb = ln.bias().value().toArray(), rw = rms.weight().value().toArray();
        double[] eLn = new double[n * c], eRms = new double[n * c];
        for (int r = 0; r < n; r++) {
            double mean = 0, sq = 0;
            for (int i = 0; i < c; i++) { mean += xs[r * c + i]; sq += xs[r * c + i] * xs[r * c + i]; }
            mean /= c;
            double var = 0;
            for (int i = 0; i < c; i++) var += Math.pow(xs[r * c + i] - mean, 2);
            var /= c;
            for (int i = 0; i < c; i++) {
                eLn[r * c + i] = (xs[r * c + i] - mean) / Math.sqrt(var + 1e-5) * lw[i] + lb[i];
                eRms[r * c + i] = xs[r * c + i] / Math.sqrt(sq / c + 1e-6) * rw[i];
            }
        }
        assertClose(ln.forward(x), eLn);
        assertClose(rms.forward(x), eRms);
    }

    @Test
    void mlpsMatchTheirFormulas() {
        int n = 4, c = 6, h = 10;
        Tensor x = random(1, n, c);
        Mlp mlp = new Mlp(c, h);
        mlp.namedParameters().values().forEach(p -> fill(p, 0.7));
        Conv1D fc = (Conv1D) mlp.get("c_fc"), proj = (Conv1D) mlp.get("c_proj");
        float[] wf = fc.weight().value().toArray(), wp = proj.weight().value().toArray();
        double[] hid = affine(x.toArray(), n, c, h, (o, i) -> wf[i * h + o], fc.bias().value().toArray());
        float[] act = new float[hid.length];
        for (int i = 0; i < hid.length; i++) {
            double v = hid[i]; // gelu_new: 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))
            act[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
        assertClose(mlp.forward(x), affine(act, n, h, c, (o, i) -> wp[i * c + o], proj.bias().value().toArray()));

        GatedMlp g = new GatedMlp(c, h);
        g.namedParameters().values().forEach(p -> fill(p, 0.7));
        float[] wg = ((Linear) g.get("gate_proj")).weight().value().toArray();
        float[] wu = ((Linear) g.get("up_proj")).weight().value().toArray();
        float[] wd = ((Linear) g.get("down_proj")).weight().value().toArray();
        double[] gate = affine(x.toArray(), n, c, h, (o, i) -> wg[o * c + i], null);
        double[] up = affine(x.toArray(), n, c, h, (o, i) -> wu[o * c + i], null);
        float[] prod = new float[gate.length];
        for (int i = 0; i < gate.length; i++) prod[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]);
        assertClose(g.forward(x), affine(prod, n, h, c, (o, i) -> wd[o * h + i], null));
    }

    /**
     * Reference causal attention: q [B, T, H, D], k, v [B, S, Hkv, D] (the cache holds positions 0..S-1; the T queries
     * are the last T positions); returns [B, T, H*D].
     */
    private static double[][] attend(double[][][][] q, double[][][][] k, double[][][][] v) {
        int b = q.length, t = q[0].length, h = q[0][0].length, d = q[0][0][0].length;
        int s = k[0].length, hkv = k[0][0].length, group = h / hkv;
        double[][] out = new double[b * t][h * d];
        for (int bi = 0; bi < b; bi++)
            for (int ti = 0; ti < t; ti++)
                for (int hi = 0; hi < h; hi++) {
                    int kv = hi / group, last = s - t + ti;
                    double[] p = new double[last + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= last; j++) {
                        double dot = 0;
                        for (int di = 0; di < d; di++) dot += q[bi][ti][hi][di] * k[bi][j][kv][di];
                        p[j] = dot / Math.sqrt(d);
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j <= last; j++) { p[j] = Math.exp(p[j] - max); sum += p[j]; }
                    for (int di = 0; di < d; di++) {
                        double acc = 0;
                        for (int j = 0; j <= last; j++) acc += p[j] / sum * v[bi][j][kv][di];
                        out[bi * t + ti][hi * d + di] = acc;
                    }
                }
        return out;
    }

    /** Rows [B*T, n*D] as [B][T][n][D], rotated by RoPE (rotate-half, HF Llama) when theta > 0. */
    private static double[][][][] heads(double[] rows, int b, int t, int n, int d, float theta, int start) {
        double[][][][] x = new double[b][t][n][d];
        for (int bi = 0; bi < b; bi++)
            for (int ti = 0; ti < t; ti++)
                for (int hi = 0; hi < n; hi++)
                    for (int di = 0; di < d; di++) x[bi][ti][hi][di] = rows[(bi * t + ti) * n * d + hi * d + di];
        if (theta > 0)
            for (double[][][] xb : x)
                for (int ti = 0; ti < t; ti++)
                    for (double[] head : xb[ti]) {
                        double[] r = head.clone();
                        for (int i = 0; i < d / 2; i++) {
                            double freq = Math.pow(theta, -2.0 * i / d), angle = (start + ti) * freq;
                            double cos = Math.cos(angle), sin = Math.sin(angle);
                            head[i] = r[i] * cos - r[i + d / 2] * sin;
                            head[i + d / 2] = r[i + d / 2] * cos + r[i] * sin;
                        }
                    }
        return x;
    }

    private static double[] flat(double[][] rows) {
        double[] out = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        return out;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    @Test
    void gpt2AttentionSplitsTheFusedProjectionIntoHeads() {
        int b = 2, t = 5, c = 12, h = 3, d = 4;
        CausalSelfAttention a = CausalSelfAttention.gpt2(c, h);
        a.namedParameters().values().forEach(p -> fill(p, 0.8));
        Tensor x = random(1, b * t, c);
        Conv1D cAttn = (Conv1D) a.get("c_attn"), cProj = (Conv1D) a.get("c_proj");
        float[] wa = cAttn.weight().value().toArray(), wp = cProj.weight().value().toArray();
        double[] qkv = affine(x.toArray(), b * t, c, 3 * c, (o, i) -> wa[i * 3 * c + o], cAttn.bias().value().toArray());
        double[] q = new double[b * t * c], k = new double[b * t * c], v = new double[b * t * c];
        for (int r = 0; r < b * t; r++) {
            System.arraycopy(qkv, r * 3 * c, q, r * c, c);
            System.arraycopy(qkv, r * 3 * c + c, k, r * c, c);
            System.arraycopy(qkv, r * 3 * c + 2 * c, v, r * c, c);
        }
        double[] y = flat(attend(heads(q, b, t, h, d, 0, 0), heads(k, b, t, h, d, 0, 0), heads(v, b, t, h, d, 0, 0)));
        double[] expected = affine(toFloat(y), b * t, c, c, (o, i) -> wp[i * c + o], cProj.bias().value().toArray());
        assertClose(a.forward(x, b, t, null, 0), expected);
    }

    @Test
    void llamaAttentionAppliesRopeAndSharesKeyValueHeads() {
        int b = 2, t = 6, c = 16, h = 4, hkv = 2, d = 4;
        float theta = 10000f;
        CausalSelfAttention a = CausalSelfAttention.llama(c, h, hkv, d, theta);
        a.namedParameters().values().forEach(p -> fill(p, 0.8));
        Tensor x = random(1, b * t, c);
        float[] wq = ((Linear) a.get("q_proj")).weight().value().toArray();
        float[] wk = ((Linear) a.get("k_proj")).weight().value().toArray();
        float[] wv = ((Linear) a.get("v_proj")).weight().value().toArray();
        float[] wo = ((Linear) a.get("o_proj")).weight().value().toArray();
        float[] xs = x.toArray();
        double[] q = affine(xs, b * t, c, h * d, (o, i) -> wq[o * c + i], null);
        double[] k = affine(xs, b * t, c, hkv * d, (o, i) -> wk[o * c + i], null);
        double[] v = affine(xs, b * t, c, hkv * d, (o, i) -> wv[o * c + i], null);
        double[] y = flat(attend(heads(q, b, t, h, d, theta, 0), heads(k, b, t, hkv, d, theta, 0),
                heads(v, b, t, hkv, d, 0, 0)));
        double[] expected = affine(toFloat(y), b * t, h * d, c, (o, i) -> wo[o * h * d + i], null);
        assertClose(a.forward(x, b, t, null, 0), expected);

        // The same tokens fed through a KV cache, 4 then 2, give the same last rows: positions continue at 4.
        var cache = new cortado.nn.models.StaticKvCache(1, b, hkv, t, d);
        Tensor x3 = x.reshape(b, t, c);
        try (NoGrad g = NoGrad.enter()) {
            a.forward(x3.slice(1, 0, 4).contiguous().reshape(b * 4, c), b, 4, cache, 0);
            cache.advance(4);
            Tensor tail = a.forward(x3.slice(1, 4, 6).contiguous().reshape(b * 2, c), b, 2, cache, 0);
            double[] expectedTail = new double[b * 2 * c];
            for (int bi = 0; bi < b; bi++) System.arraycopy(expected, (bi * t + 4) * c, expectedTail, bi * 2 * c, 2 * c);
            assertClose(tail, expectedTail);
        }
    }

    @Test
    void llamaAttentionRotatesEachRowAtItsOwnPositionIds() {
        // Row 0 at positions 0..3, row 1 at 7..10: each row must equal a batch-1 pass rotated from its own start.
        int b = 2, t = 4, c = 8, h = 2, hkv = 1, d = 4;
        float theta = 100f;
        CausalSelfAttention a = CausalSelfAttention.llama(c, h, hkv, d, theta);
        a.namedParameters().values().forEach(p -> fill(p, 0.8));
        Tensor x = random(3, b * t, c);
        float[] wq = ((Linear) a.get("q_proj")).weight().value().toArray();
        float[] wk = ((Linear) a.get("k_proj")).weight().value().toArray();
        float[] wv = ((Linear) a.get("v_proj")).weight().value().toArray();
        float[] wo = ((Linear) a.get("o_proj")).weight().value().toArray();
        int[] starts = {0, 7};
        double[] expected = new double[b * t * c];
        for (int bi = 0; bi < b; bi++) {
            float[] xs = x.reshape(b, t, c).slice(0, bi, bi + 1).contiguous().toArray();
            double[] q = affine(xs, t, c, h * d, (o, i) -> wq[o * c + i], null);
            double[] k = affine(xs, t, c, hkv * d, (o, i) -> wk[o * c + i], null);
            double[] v = affine(xs, t, c, hkv * d, (o, i) -> wv[o * c + i], null);
            double[] y = flat(attend(heads(q, 1, t, h, d, theta, starts[bi]), heads(k, 1, t, hkv, d, theta, starts[bi]),
                    heads(v, 1, t, hkv, d, 0, 0)));
            double[] row = affine(toFloat(y), t, h * d, c, (o, i) -> wo[o * h * d + i], null);
            System.arraycopy(row, 0, expected, bi * t * c, t * c);
        }
        assertClose(a.forward(x, b, t, new int[] {0, 1, 2, 3, 7, 8, 9, 10}, null, 0), expected);
    }
}
