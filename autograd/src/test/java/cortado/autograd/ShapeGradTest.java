package cortado.autograd;

import static cortado.autograd.Inputs.*;

import org.junit.jupiter.api.Test;

/** Views and reductions; each is composed with a nonlinear op so the check sees more than the identity. */
class ShapeGradTest {
    @Test
    void views() {
        check("reshape", in -> F.tanh(F.reshape(in[0], 3, -1)), param(1, 2, 3, 2));
        check("reshape non-contiguous", in -> F.tanh(F.reshape(in[0], 12)), leaf(randn(2, 4, 3).transpose(0, 1)));
        check("transpose", in -> F.matmul(F.transpose(in[0], 0, 1), in[1]), param(3, 4, 3), param(4, 4, 2));
        check("permute", in -> F.softmax(F.permute(in[0], 2, 0, 1)), param(5, 2, 3, 4));
        check("contiguous", in -> F.exp(F.contiguous(F.transpose(in[0], 0, 1))), param(6, 3, 4));
        check("contiguous of contiguous", in -> F.exp(F.contiguous(in[0])), param(7, 3, 4));
        check("slice", in -> F.tanh(F.slice(in[0], 1, 1, 3)), param(8, 2, 4, 3));
        check("slice last dim", in -> F.tanh(F.slice(in[0], -1, 0, 2)), param(9, 2, 4, 3));
    }

    @Test
    void concat() {
        check("concat dim 0", in -> F.tanh(F.concat(0, in[0], in[1])), param(11, 2, 3), param(12, 1, 3));
        check("concat dim 1 non-contiguous", in -> F.tanh(F.concat(1, in[0], in[1], in[2])),
                param(13, 3, 2), leaf(randn(14, 1, 3).transpose(0, 1)), param(15, 3, 4));
    }

    @Test
    void reductions() {
        check("sum", in -> F.sum(F.tanh(in[0])), param(21, 3, 4));
        check("sum dim 1", in -> F.sum(in[0], 1, false), param(22, 2, 3, 4));
        check("sum dim -1 keepDim", in -> F.tanh(F.sum(in[0], -1, true)), param(23, 2, 3, 4));
        check("sum dim 0 non-contiguous", in -> F.tanh(F.sum(in[0], 0, false)), leaf(randn(24, 4, 3).transpose(0, 1)));
        check("mean", in -> F.mean(F.exp(in[0])), param(25, 3, 4));
    }
}
