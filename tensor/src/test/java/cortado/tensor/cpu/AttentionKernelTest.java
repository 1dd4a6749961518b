package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fused attention against the naive softmax(scale Q K^T + mask) V in double precision, for multi-head and grouped-query
 * layouts, causal with T == S and with a KV-cache offset (T < S), across several key tiles and query blocks, and for
 * every {@link AttentionMask} mode: key padding (left, right, holes), per-row query offsets, sliding window, rows that
 * see no key. The naive reference evaluates the mask's definition per (row, query, key) directly; its backward is itself
 * checked against finite differences.
 */
class AttentionKernelTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(8);

    record Dims(int b, int h, int hkv, int t, int s, int d) {}

    /** The mask's definition, key by key: the reference the kernel's tile skipping and range checks must agree with. */
    static boolean sees(AttentionMask m, Dims z, int b, int i, int j) {
        int p = m.queryOffset(b, z.t, z.s) + i;
        if (m.causal() && j > p) return false;
        if (m.slidingWindow() > 0 && j <= p - m.slidingWindow()) return false;
        if (m.sequenceStarts() != null && j < m.sequenceStarts()[b][p]) return false;   // another packed sequence
        return m.keyValid() == null || m.keyValid()[b][j];
    }

    /** out[b,h,t,:] and, when dout != null, gradients {dq, dk, dv} by the textbook formulas. */
    static double[][] naive(Dims z, double[] q, double[] k, double[] v, double[] dout, boolean causal, double scale) {
        return naive(z, q, k, v, dout, causal ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL, scale);
    }

    static double[][] naive(Dims z, double[] q, double[] k, double[] v, double[] dout, AttentionMask mask, double scale) {
        int group = z.h / z.hkv;
        double[] out = new double[z.b * z.h * z.t * z.d];
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        for (int b = 0; b < z.b; b++)
            for (int h = 0; h < z.h; h++) {
                int hk = h / group;
                for (int i = 0; i < z.t; i++) {
                    int qo = ((b * z.h + h) * z.t + i) * z.d;
                    int[] keys = new int[z.s];
                    int visible = 0;
                    for (int j = 0; j < z.s; j++) if (sees(mask, z, b, i, j)) keys[visible++] = j;
                    if (visible == 0) continue;   // sees nothing: output and gradients stay 0
                    double[] p = new double[visible];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int jj = 0; jj < visible; jj++) {
                        int ko = ((b * z.hkv + hk) * z.s + keys[jj]) * z.d;
                        double s = 0;
                        for (int x = 0; x < z.d; x++) s += q[qo + x] * k[ko + x];
                        p[jj] = s * scale;
                        max = Math.max(max, p[jj]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int j = 0; j < visible; j++) p[j] /= sum;
                    for (int j = 0; j < visible; j++) {
                        int vo = ((b * z.hkv + hk) * z.s + keys[j]) * z.d;
                        for (int x = 0; x < z.d; x++) out[qo + x] += p[j] * v[vo + x];
                    }
                    if (dout == null) continue;
                    double[] dp = new double[visible];
                    double rowDot = 0;
                    for (int j = 0; j < visible; j++) {
                        int vo = ((b * z.hkv + hk) * z.s + keys[j]) * z.d;
                        for (int x = 0; x < z.d; x++) {
                            dp[j] += dout[qo + x] * v[vo + x];
                            dv[vo + x] += p[j] * dout[qo + x];
                        }
                        rowDot += p[j] * dp[j];
                    }
                    for (int j = 0; j < visible; j++) {
                        double ds = p[j] * (dp[j] - rowDot) * scale;
                        int ko = ((b * z.hkv + hk) * z.s + keys[j]) * z.d;
                        for (int x = 0; x < z.d; x++) {
                            dq[qo + x] += ds * k[ko + x];
                            dk[ko + x] += ds * q[qo + x];
                        }
                    }
                }
            }
        return new double[][] {out, dq, dk, dv};
    }

    static double loss(Dims z, double[] q, double[] k, double[] v, double[] g, AttentionMask mask, double scale) {
        double[] out = naive(z, q, k, v, null, mask, scale)[0];
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * g[i];
        return s;
    }

    @Test
    void naiveBackwardAgreesWithFiniteDifferences() {
        Dims z = new Dims(2, 4, 2, 3, 5, 6);
        double scale = 0.4;
        double[] q = toDouble(randn(r, 2, 4, 3, 6)), k = toDouble(randn(r, 2, 2, 5, 6)), v = toDouble(randn(r, 2, 2, 5, 6));
        double[] g = toDouble(randn(r, 2, 4, 3, 6));
        AttentionMask[] masks = {AttentionMask.CAUSAL,
                AttentionMask.BIDIRECTIONAL.withKeyPadding(new boolean[][] {{true, true, false, true, true}, {false, false, true, true, true}}),
                AttentionMask.CAUSAL.withSlidingWindow(2).withQueryOffsets(1, 2)};
        for (AttentionMask m : masks) {
            double[][] ref = naive(z, q, k, v, g, m, scale);
            assertClose(toFloat(ref[1]), numericGrad(q, x -> loss(z, x, k, v, g, m, scale), 1e-6), 1e-6, 1e-7, "naive dq " + m);
            assertClose(toFloat(ref[2]), numericGrad(k, x -> loss(z, q, x, v, g, m, scale), 1e-6), 1e-6, 1e-7, "naive dk " + m);
            assertClose(toFloat(ref[3]), numericGrad(v, x -> loss(z, q, k, x, g, m, scale), 1e-6), 1e-6, 1e-7, "naive dv " + m);
        }
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private void check(Dims z, boolean causal, boolean viewInputs) {
        check(z, causal ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL, viewInputs);
    }

    private AttentionResult check(Dims z, AttentionMask mask, boolean viewInputs) {
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
        double[][] ref = naive(z, toDouble(q), toDouble(k), toDouble(v), toDouble(g), mask, scale);
        AttentionResult res = be.attention(q, k, v, mask, scale);
        assertThat(res.out().shape()).isEqualTo(new int[] {z.b, z.h, z.t, z.d});
        assertThat(res.lse().shape()).isEqualTo(new int[] {z.b, z.h, z.t});
        String what = z + " " + mask;
        // float32 dot products of length D and sums over S keys: 1e-5 of the largest value
        assertClose(res.out(), ref[0], 1e-5, 1e-6, "out " + what);
        AttentionGrads gr = be.attentionBackward(g, q, k, v, res.out(), res.lse(), mask, scale);
        assertThat(gr.dk().shape()).isEqualTo(k.shape());
        assertClose(gr.dq(), ref[1], 2e-5, 1e-6, "dq " + what);
        assertClose(gr.dk(), ref[2], 2e-5, 1e-6, "dk " + what);
        assertClose(gr.dv(), ref[3], 2e-5, 1e-6, "dv " + what);
        for (Tensor x : new Tensor[] {res.out(), gr.dq(), gr.dk(), gr.dv()})
            for (float f : x.contiguous().data()) assertThat(Float.isNaN(f)).as("NaN in " + what).isFalse();
        return res;
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

    /** Lengths per row as transformers' attention_mask: ones for [start, end), zeros elsewhere. */
    private static int[][] attentionMask(int s, int[] start, int[] end) {
        int[][] m = new int[start.length][s];
        for (int b = 0; b < start.length; b++) for (int j = start[b]; j < end[b]; j++) m[b][j] = 1;
        return m;
    }

    @Test
    void bidirectionalWithRightPadding() {
        // BERT: each row's real tokens first, padding after; S = 37 is not a multiple of the key tile; GQA
        AttentionMask m = AttentionMask.BIDIRECTIONAL.withAttentionMask(attentionMask(37, new int[] {0, 0, 0}, new int[] {37, 20, 1}));
        check(new Dims(3, 4, 2, 37, 37, 24), m, true);
    }

    @Test
    void causalWithLeftPaddingAndRowsThatSeeNothing() {
        // batched prefill of left-padded prompts: keys of row b are real in [start_b, S); the queries on padding see no
        // key at all (their causal window holds only padding) and must give 0 and no gradient
        int s = 70;
        int[] start = {0, 13, 69, 70};
        AttentionMask m = AttentionMask.CAUSAL.withKeyRange(start, new int[] {s, s, s, s}, s);
        AttentionResult res = check(new Dims(4, 2, 2, s, s, 16), m, false);
        float[] lse = res.lse().data();
        for (int i = 0; i < s; i++) {
            assertThat(lse[(1 * 2) * s + i] == Float.NEGATIVE_INFINITY).as("row 1 query " + i).isEqualTo(i < 13);
            assertThat(lse[(3 * 2 + 1) * s + i]).isEqualTo(Float.NEGATIVE_INFINITY);   // row 3: every key is padding
        }
    }

    @Test
    void keyPaddingWithHoles() {
        boolean[][] valid = new boolean[2][150];
        for (int j = 0; j < 150; j++) {
            valid[0][j] = j % 3 != 1;
            valid[1][j] = j < 40 || (j >= 70 && j < 71) || j >= 130;
        }
        check(new Dims(2, 2, 1, 150, 150, 16), AttentionMask.BIDIRECTIONAL.withKeyPadding(valid), false);
        check(new Dims(2, 2, 1, 150, 150, 16), AttentionMask.CAUSAL.withKeyPadding(valid), true);
    }

    @Test
    void decodeStepWithPerRowOffsets() {
        // a KV cache whose rows have their own lengths: the new token of row b sits at key offset_b and sees keys
        // 0..offset_b; keys past it are stale cache slots
        int[] offsets = {69, 40, 0};
        check(new Dims(3, 4, 2, 1, 70, 32), AttentionMask.CAUSAL.withQueryOffsets(offsets), false);
        // with left padding too (start of each row's real keys)
        AttentionMask m = AttentionMask.CAUSAL.withQueryOffsets(offsets)
                .withKeyRange(new int[] {5, 0, 0}, new int[] {70, 41, 1}, 70);
        check(new Dims(3, 4, 2, 1, 70, 32), m, true);
    }

    @Test
    void prefillChunkWithPerRowOffsets() {
        // T = 5 new queries per row, appended after caches of lengths 0, 30 and 95 (S = 100)
        check(new Dims(3, 2, 1, 5, 100, 20), AttentionMask.CAUSAL.withQueryOffsets(0, 30, 95), false);
    }

    @Test
    void slidingWindow() {
        // window smaller than a key tile, larger than one, and with per-row offsets and left padding
        check(new Dims(2, 2, 2, 150, 150, 16), AttentionMask.CAUSAL.withSlidingWindow(7), false);
        check(new Dims(1, 4, 2, 150, 150, 16), AttentionMask.CAUSAL.withSlidingWindow(40), true);
        check(new Dims(1, 2, 1, 150, 150, 16), AttentionMask.CAUSAL.withSlidingWindow(1), false);
        AttentionMask m = AttentionMask.CAUSAL.withSlidingWindow(33).withQueryOffsets(60, 10)
                .withKeyRange(new int[] {3, 0}, new int[] {97, 97}, 97);
        check(new Dims(2, 2, 1, 37, 97, 16), m, false);
        check(new Dims(2, 2, 2, 1, 97, 16), AttentionMask.CAUSAL.withSlidingWindow(20).withQueryOffsets(96, 50), false);
    }

    /** Row b's sequence starts for packed sequences of the given lengths (the rest of the row: one more sequence). */
    static int[] starts(int s, int... lengths) {
        int[] st = new int[s];
        int p = 0;
        for (int len : lengths) {
            for (int i = 0; i < len && p + i < s; i++) st[p + i] = p;
            p += len;
        }
        for (int i = p; i < s; i++) st[i] = p;
        return st;
    }

    @Test
    void packedSequencesAttendOnlyWithinThemselves() {
        // sequences shorter than a key tile, one crossing tile boundaries, a one-token sequence, and padding at the end
        // where each position is its own sequence (TRL's position ids 0 on padding); GQA, and with a sliding window
        int s = 150;
        int[] tail = starts(s, 100, 1, 30);
        for (int i = 131; i < s; i++) tail[i] = i;
        int[][] st = {starts(s, 5, 60, 17, 1, 40), tail};
        check(new Dims(2, 4, 2, s, s, 16), AttentionMask.CAUSAL.withPackedSequences(st), false);
        check(new Dims(2, 2, 1, s, s, 16), AttentionMask.CAUSAL.withPackedSequences(st).withSlidingWindow(9), true);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                AttentionMask.BIDIRECTIONAL.withPackedSequences(st))).hasMessageContaining("causal");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                AttentionMask.CAUSAL.withPackedSequences(new int[][] {{0, 2, 1}}))).hasMessageContaining("position 1");
    }

    @Test
    void masksThatDisagreeWithTheShapesAreRefused() {
        Tensor q = randn(r, 2, 2, 3, 8), k = randn(r, 2, 2, 5, 8);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                be.attention(q, k, k, AttentionMask.CAUSAL.withQueryOffsets(0, 3), 1f))).hasMessageContaining("offset 3");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                be.attention(q, k, k, AttentionMask.CAUSAL.withQueryOffsets(0), 1f))).hasMessageContaining("batch 2");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                be.attention(q, k, k, AttentionMask.BIDIRECTIONAL.withKeyPadding(new boolean[2][4]), 1f)))
                .hasMessageContaining("4 entries for 5 keys");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                AttentionMask.BIDIRECTIONAL.withSlidingWindow(4))).hasMessageContaining("needs a causal mask");
    }
}
