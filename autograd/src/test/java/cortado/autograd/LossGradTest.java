package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;

import org.junit.jupiter.api.Test;

class LossGradTest {
    @Test
    void crossEntropy() {
        check("crossEntropy", in -> F.crossEntropy(in[0], new int[] {2, 0, 4}, -100), param(1, 3, 5));
    }

    @Test
    void crossEntropyWithIgnoredRow() {
        // row 1 is ignored: its gradient must be exactly zero and the mean runs over the 3 counted rows
        Tensor logits = param(2, 4, 5);
        check("crossEntropy ignored row", in -> F.crossEntropy(in[0], new int[] {1, -100, 3, 0}, -100), logits);
        assertThat(logits.grad().slice(0, 1, 2).toArray()).containsOnly(0f);
    }

    @Test
    void crossEntropyNonContiguousLogits() {
        check("crossEntropy non-contiguous", in -> F.crossEntropy(in[0], new int[] {0, 4, 2}, -1),
                leaf(randn(3, 5, 3).transpose(0, 1)));
    }

    @Test
    void embeddingWithRepeatedIds() {
        // id 1 appears twice: its rows' gradients must add up
        check("embedding", in -> F.embedding(in[0], new int[] {1, 3, 1, 0}), param(4, 5, 3));
    }
}
