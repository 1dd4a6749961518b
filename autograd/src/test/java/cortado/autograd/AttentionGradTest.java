package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
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
    void bidirectionalWithKeyPadding() {
        // BERT-style: row 0 has 4 real keys, row 1 has 2 (right padding), one padding hole in row 0
        AttentionMask m = AttentionMask.BIDIRECTIONAL.withAttentionMask(new int[][] {{1, 0, 1, 1, 1}, {1, 1, 0, 0, 0}});
        check("attention bidirectional key padding", in -> F.attention(in[0], in[1], in[2], m, SCALE),
                param(31, 2, 2, 5, 4), param(32, 2, 2, 5, 4), param(33, 2, 2, 5, 4));
    }

    @Test
    void causalLeftPaddingWithQueriesThatSeeNothing() {
        // keys of row 1 real from index 2: its queries 0 and 1 see no key, give 0 and pass no gradient
        AttentionMask m = AttentionMask.CAUSAL.withKeyRange(new int[] {0, 2}, new int[] {4, 4}, 4);
        Tensor q = param(34, 2, 2, 4, 4), k = param(35, 2, 1, 4, 4), v = param(36, 2, 1, 4, 4);
        check("attention causal left padding", in -> F.attention(in[0], in[1], in[2], m, SCALE), q, k, v);
        Tensor y = F.attention(q, k, v, m, SCALE);
        Autograd.backward(F.sum(y));
        float[] out = y.data(), dq = q.grad().data();
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 2; i++)
                for (int x = 0; x < 4; x++) {
                    int at = ((2 + h) * 4 + i) * 4 + x;   // batch row 1, head h, query i
                    if (out[at] != 0f || dq[at] != 0f)
                        throw new AssertionError("query " + i + " of row 1 sees no key but has out " + out[at]
                                + ", dq " + dq[at]);
                }
    }

    @Test
    void perRowQueryOffsets() {
        // T = 2 new queries after cached rows of lengths 1 and 4 (S = 6): offsets 1 and 4
        AttentionMask m = AttentionMask.CAUSAL.withQueryOffsets(1, 4);
        check("attention per-row offsets", in -> F.attention(in[0], in[1], in[2], m, SCALE),
                param(37, 2, 2, 2, 4), param(38, 2, 1, 6, 4), param(39, 2, 1, 6, 4));
    }

    @Test
    void slidingWindow() {
        AttentionMask m = AttentionMask.CAUSAL.withSlidingWindow(2);
        check("attention sliding window 2", in -> F.attention(in[0], in[1], in[2], m, SCALE),
                param(40, 1, 2, 5, 4), param(41, 1, 2, 5, 4), param(42, 1, 2, 5, 4));
        AttentionMask mixed = AttentionMask.CAUSAL.withSlidingWindow(3).withQueryOffsets(2, 0)
                .withKeyRange(new int[] {1, 0}, new int[] {5, 5}, 5);
        check("attention window + offsets + padding", in -> F.attention(in[0], in[1], in[2], mixed, SCALE),
                param(43, 2, 2, 3, 4), param(44, 2, 2, 5, 4), param(45, 2, 2, 5, 4));
    }

    @Test
    void rope() {
        check("rope", in -> F.rope(in[0], 0, 10000f), param(21, 2, 2, 3, 4));
        check("rope startPos 5 theta 100", in -> F.rope(in[0], 5, 100f), param(22, 1, 2, 3, 8));
        check("rope non-contiguous", in -> F.rope(in[0], 2, 10000f), leaf(randn(23, 1, 3, 2, 4).permute(0, 2, 1, 3)));
    }
}
