package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.RopeTable;
import org.junit.jupiter.api.Test;

class AttentionGradTest {
    private static final float SCALE = (float) (1 / Math.sqrt(4));

    @Test
    void multiHeadNonCausal() {
        check("attention MHA", in -> F.attention(in[0], in[1], in[2], false, SCALE),
                param(1, 1, 2, 3, 4), param(2, 1, 2, 3, 4), param(3, 1, 2, 3, 4));
    }

    @Test
    void multiHeadCausal() {
        check("attention causal", in -> F.attention(in[0], in[1], in[2], true, SCALE),
                param(4, 2, 2, 4, 4), param(5, 2, 2, 4, 4), param(6, 2, 2, 4, 4));
    }

    @Test
    void groupedQueryCausalWithFewerQueriesThanKeys() {
        // H = 4 query heads share Hkv = 2 key/value heads; T = 3 queries at positions 2..4 of S = 5 keys (a KV cache)
        check("attention GQA causal T<S", in -> F.attention(in[0], in[1], in[2], true, SCALE),
                param(7, 1, 4, 3, 4), param(8, 1, 2, 5, 4), param(9, 1, 2, 5, 4));
    }

    @Test
    void nonContiguousHeads() {
        // q, k, v as the model makes them: [B, T, H, D] projections permuted to [B, H, T, D]
        check("attention non-contiguous", in -> F.attention(in[0], in[1], in[2], true, SCALE),
                leaf(randn(10, 1, 3, 2, 4).permute(0, 2, 1, 3)),
                leaf(randn(11, 1, 3, 2, 4).permute(0, 2, 1, 3)),
                leaf(randn(12, 1, 3, 2, 4).permute(0, 2, 1, 3)));
    }

    @Test
    void rope() {
        check("rope", in -> F.rope(in[0], range(2, 3, 0), table(4, 10000, 1f)), param(21, 2, 2, 3, 4));
        check("rope startPos 5 theta 100", in -> F.rope(in[0], range(1, 3, 5), table(8, 100, 1f)), param(22, 1, 2, 3, 8));
        check("rope non-contiguous", in -> F.rope(in[0], range(1, 3, 2), table(4, 10000, 1f)),
                leaf(randn(23, 1, 3, 2, 4).permute(0, 2, 1, 3)));
        // Each row at its own positions (a left-padded batch), with a YaRN-style scale on cos and sin.
        check("rope per-row positions, scaled", in -> F.rope(in[0], new int[] {0, 0, 1, 3, 4, 5}, table(8, 100, 1.3f)),
                param(24, 2, 2, 3, 8));
    }

    static int[] range(int b, int t, int start) {
        int[] p = new int[b * t];
        for (int i = 0; i < p.length; i++) p[i] = start + i % t;
        return p;
    }

    static RopeTable table(int d, double theta, float scale) {
        float[] f = new float[d / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) Math.pow(theta, -2.0 * i / d);
        return RopeTable.build(f, 16, scale);
    }
}
