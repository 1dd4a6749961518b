package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Dropout with a fixed key is a fixed linear map, so finite differences check its backward (same mask, same scale). */
class DropoutGradTest {
    @Test
    void gradientThroughAFixedMask() {
        check("dropout p=0.3", in -> F.dropout(in[0], 0.3f, 1234L), param(61, 4, 33));
        check("dropout non-contiguous", in -> F.dropout(in[0], 0.5f, 77L), leaf(randn(62, 9, 5).transpose(0, 1)));
        // Composed: the mask sits between two ops whose gradients depend on it.
        check("tanh(dropout(x)) * y", in -> F.mul(F.tanh(F.dropout(in[0], 0.2f, 9L)), in[1]), param(63, 3, 8),
                param(64, 3, 8));
    }

    @Test
    void backwardAppliesTheForwardMask() {
        Tensor x = param(65, 2, 50);
        Tensor y = F.dropout(x, 0.4f, 5L);
        Autograd.backward(F.sum(y));
        float[] out = y.toArray(), grad = x.grad().toArray();
        for (int i = 0; i < out.length; i++) assertThat(grad[i]).isEqualTo(out[i] == 0f ? 0f : 1f / 0.6f);
        assertThat(F.dropout(x, 0f, 5L)).isSameAs(x);
    }
}
