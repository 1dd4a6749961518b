package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The chunked LM-head loss: gradient checks, and parity with the unfused linear + crossEntropy. */
class LinearCrossEntropyTest {
    private static final int[] TARGETS = {2, 0, -100, 6, 1, 3, 6};   // 7 rows, one ignored

    @Test
    void gradientsWithBiasOverChunksOfThreeRows() {
        // 7 rows in chunks of 3, 3, 1: a partial last chunk and an ignored row inside a chunk
        check("linearCrossEntropy chunked", in -> F.linearCrossEntropy(in[0], in[1], in[2], TARGETS, -100, 3),
                param(1, 7, 5), param(2, 7, 5), param(3, 7));
    }

    @Test
    void gradientsWithoutBiasInOneChunk() {
        check("linearCrossEntropy one chunk", in -> F.linearCrossEntropy(in[0], in[1], null, TARGETS, -100, 64),
                param(4, 7, 5), param(5, 7, 5));
    }

    /**
     * Against the unfused path (linear, then crossEntropy over the whole [N, V]) on a 257-token vocabulary with 70
     * rows in chunks of 16, backpropagating half the loss. Tolerance 1e-6 relative to the largest value: the two differ only in the order of float
     * sums (dW over chunks, the loss as a sum of chunk means), a few ulp.
     */
    @Test
    void matchesTheUnfusedPath() {
        int n = 70, c = 24, v = 257;
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = i % 9 == 4 ? -100 : (i * 37) % v;
        Tensor[] fused = lossAndGrads(randn(6, n, c), randn(7, v, c), randn(8, v), targets, true);
        Tensor[] plain = lossAndGrads(randn(6, n, c), randn(7, v, c), randn(8, v), targets, false);
        String[] names = {"loss", "dHidden", "dWeight", "dBias"};
        for (int i = 0; i < fused.length; i++) {
            float[] a = fused[i].toArray(), e = plain[i].toArray();
            double scale = 0;
            for (float x : e) scale = Math.max(scale, Math.abs(x));
            for (int j = 0; j < a.length; j++)
                assertThat((double) a[j]).as(names[i] + "[" + j + "]").isCloseTo(e[j],
                        org.assertj.core.api.Assertions.within(1e-6 * scale));
        }
    }

    private static Tensor[] lossAndGrads(Tensor h, Tensor w, Tensor b, int[] targets, boolean fused) {
        h.requiresGrad(true);
        w.requiresGrad(true);
        b.requiresGrad(true);
        Tensor loss = fused ? F.linearCrossEntropy(h, w, b, targets, -100, 16)
                : F.crossEntropy(F.linear(h, w, b), targets, -100);
        Autograd.backward(F.scale(loss, 0.5f));   // dL/dloss != 1, as under gradient accumulation
        return new Tensor[] {loss, h.grad(), w.grad(), b.grad()};
    }

    @Test
    void everyRowIgnoredGivesNaNLossAndZeroGradients() {
        Tensor h = param(9, 4, 3), w = param(10, 5, 3);
        Tensor loss = F.linearCrossEntropy(h, w, null, new int[] {-100, -100, -100, -100}, -100, 2);
        assertThat(loss.item()).isNaN();
        Autograd.backward(loss);
        assertThat(h.grad().toArray()).containsOnly(0f);
        assertThat(w.grad().toArray()).containsOnly(0f);
    }
}
