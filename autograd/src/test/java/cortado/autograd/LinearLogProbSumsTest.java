package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The fused per-sequence log-prob sums (DPO's completion log-probs): gradient checks of both backward paths (hidden
 * only, precomputed with the forward; head trainable, recomputed), and parity with the unfused log-softmax + one-hot.
 */
class LinearLogProbSumsTest {
    // 3 sequences of 3 rows; the second sequence has nothing scored, the others an ignored row each
    private static final int[] TARGETS = {-100, 2, 6, -100, -100, -100, 1, -100, 3};

    @Test
    void gradientsWithTrainableHeadOverChunksOfTwoSequences() {
        // the chunk of 7 rows rounds down to 2 sequences of 3: chunks of 6 and 3 rows
        check("linearLogProbSums recomputing", in -> F.linearLogProbSums(in[0], in[1], in[2], TARGETS, -100, 3, 7),
                param(1, 9, 5), param(2, 7, 5), param(3, 7));
    }

    @Test
    void gradientsOfHiddenUnderAFrozenHead() {
        Tensor w = randn(5, 7, 5);   // frozen: the precomputed path
        check("linearLogProbSums precomputed", in -> F.linearLogProbSums(in[0], w, null, TARGETS, -100, 3, 3),
                param(4, 9, 5));
    }

    /**
     * Against the unfused path (linear, log-softmax over the whole [N, V], one-hot selection, sum per sequence) on a
     * 257-token vocabulary, 6 sequences of 12 rows in chunks of 2 sequences, with a different incoming gradient per
     * sequence (as DPO's). Tolerance 1e-5 relative to the largest value: the two differ in the order of float sums
     * (a sequence sum as count times the backend's mean, the log-sum-exp), a few ulp of values near 70.
     */
    @Test
    void matchesTheUnfusedPathForBothBackwards() {
        for (boolean trainableHead : new boolean[] {true, false}) {
            Tensor[] fused = sumsAndGrads(trainableHead, true), plain = sumsAndGrads(trainableHead, false);
            String[] names = {"sums", "dHidden", "dWeight", "dBias"};
            for (int i = 0; i < fused.length; i++) {
                if (plain[i] == null) {
                    assertThat(fused[i]).as(names[i]).isNull();
                    continue;
                }
                float[] a = fused[i].toArray(), e = plain[i].toArray();
                double scale = 0;
                for (float x : e) scale = Math.max(scale, Math.abs(x));
                for (int j = 0; j < a.length; j++)
                    assertThat((double) a[j]).as(names[i] + "[" + j + "] head trainable " + trainableHead)
                            .isCloseTo(e[j], within(1e-5 * scale));
            }
        }
    }

    private static Tensor[] sumsAndGrads(boolean trainableHead, boolean fused) {
        int g = 6, t = 12, n = g * t, c = 16, v = 257;
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = i % 5 == 2 ? -100 : (i * 37) % v;
        Tensor h = randn(6, n, c).requiresGrad(true), w = randn(7, v, c), b = randn(8, v);
        w.requiresGrad(trainableHead);
        b.requiresGrad(trainableHead);
        Tensor sums;
        if (fused) sums = F.linearLogProbSums(h, w, b, targets, -100, t, 2 * t + 5);
        else {
            float[] pick = new float[n * v];
            for (int i = 0; i < n; i++) if (targets[i] != -100) pick[i * v + targets[i]] = 1f;
            Tensor perToken = F.sum(F.mul(F.logSoftmax(F.linear(h, w, b)), Tensor.of(pick, n, v)), 1, false);
            sums = F.sum(F.reshape(perToken, g, t), 1, false);
        }
        Tensor weights = Tensor.of(new float[] {1f, -2f, 0.5f, 3f, -0.25f, 1.5f}, g);
        Autograd.backward(F.sum(F.mul(sums, weights)));
        return new Tensor[] {sums, h.grad(), w.grad(), b.grad()};
    }
}
