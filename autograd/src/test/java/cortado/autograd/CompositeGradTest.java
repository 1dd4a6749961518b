package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A whole attention block wired as the nn layers wire it (fused qkv projection, reshape, permute, slices into q/k/v,
 * RoPE, causal attention, output projection, residual, norm, loss), so the views and the engine's gradient
 * bookkeeping are checked together, not only op by op.
 */
class CompositeGradTest {
    @Test
    void attentionBlockEndToEnd() {
        int t = 3, c = 8, heads = 2, d = 4;
        int[] targets = {5, 0, 7};
        // Weights at a layer's usual scale (std ~ 1/sqrt(fan_in)). With std 1 the pre-activations are so curved that
        // eps = 1e-2 central differences carry ~0.6% truncation error (it shrank 9x per 3x smaller eps: not a bug).
        RopeTable rope = AttentionGradTest.table(d, 10000, 1f);
        check("attention block", in -> {
            Tensor x = in[0];
            Tensor qkv = F.permute(F.reshape(F.linear(x, in[1], in[2]), 1, t, 3 * heads, d), 0, 2, 1, 3);
            Tensor q = F.rope(F.slice(qkv, 1, 0, heads), AttentionGradTest.range(1, t, 0), rope);
            Tensor k = F.rope(F.slice(qkv, 1, heads, 2 * heads), AttentionGradTest.range(1, t, 0), rope);
            Tensor v = F.slice(qkv, 1, 2 * heads, 3 * heads);
            Tensor y = F.attention(q, k, v, true, 0.5f);
            Tensor rows = F.reshape(F.permute(y, 0, 2, 1, 3), t, c);
            Tensor h = F.add(F.reshape(x, t, c), F.gelu(F.linear(rows, in[3], null)));
            return F.crossEntropy(F.layerNorm(h, in[4], in[5], 1e-5f), targets, -100);
        }, param(1, 1, t, c), param(2, 0.35f, 3 * c, c), param(3, 0.1f, 3 * c), param(4, 0.35f, c, c),
                param(5, c), param(6, c));
    }
}
