package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ElementwiseGradTest {
    @Test
    void binaryOpsSameShape() {
        check("add", in -> F.add(in[0], in[1]), param(1, 2, 3), param(2, 2, 3));
        check("sub", in -> F.sub(in[0], in[1]), param(3, 2, 3), param(4, 2, 3));
        check("mul", in -> F.mul(in[0], in[1]), param(5, 2, 3), param(6, 2, 3));
        // denominators kept away from zero, where 1/b is too curved for finite differences
        check("div", in -> F.div(in[0], in[1]), param(7, 2, 3), leaf(uniform(8, 0.5f, 2f, 2, 3)));
    }

    @Test
    void binaryOpsBroadcasting() {
        check("add broadcast [2,3,4]+[4]", in -> F.add(in[0], in[1]), param(11, 2, 3, 4), param(12, 4));
        check("sub broadcast [3,1]-[2,3,4]", in -> F.sub(in[0], in[1]), param(13, 3, 1), param(14, 2, 3, 4));
        check("mul broadcast [2,1,4]*[3,1]", in -> F.mul(in[0], in[1]), param(15, 2, 1, 4), param(16, 3, 1));
        check("div broadcast [2,3,4]/[1]", in -> F.div(in[0], in[1]), param(17, 2, 3, 4), leaf(uniform(18, 0.5f, 2f, 1)));
        check("div broadcast [4]/[2,3,4]", in -> F.div(in[0], in[1]), param(19, 4), leaf(uniform(20, 0.5f, 2f, 2, 3, 4)));
    }

    @Test
    void binaryOpsNonContiguous() {
        check("mul non-contiguous", in -> F.mul(in[0], in[1]), leaf(randn(21, 4, 3).transpose(0, 1)), param(22, 3, 4));
        check("add non-contiguous broadcast", in -> F.add(in[0], in[1]),
                leaf(randn(23, 3, 2, 5).permute(1, 0, 2)), leaf(randn(24, 8).slice(0, 2, 7)));
    }

    @Test
    void scalarOps() {
        check("scale", in -> F.scale(in[0], -1.7f), param(31, 2, 3));
        check("addScalar", in -> F.addScalar(in[0], 0.3f), param(32, 2, 3));
        check("neg", in -> F.neg(in[0]), param(33, 2, 3));
    }

    @Test
    void unaryOps() {
        check("exp", in -> F.exp(in[0]), param(41, 3, 4));
        check("log", in -> F.log(in[0]), leaf(uniform(42, 0.5f, 3f, 3, 4)));
        check("tanh", in -> F.tanh(in[0]), param(43, 3, 4));
        check("sigmoid", in -> F.sigmoid(in[0]), param(44, 3, 4));
        check("gelu", in -> F.gelu(in[0]), leaf(uniform(45, -4f, 4f, 3, 5)));
        check("silu", in -> F.silu(in[0]), leaf(uniform(46, -4f, 4f, 3, 5)));
        Tensor awayFromKink = uniform(53, 0.1f, 2f, 3, 5);   // |x| >= 0.1 > eps: the difference never straddles 0
        for (int i = 0; i < awayFromKink.numel(); i += 2) awayFromKink.data()[i] *= -1;
        check("relu", in -> F.relu(in[0]), leaf(awayFromKink));
        check("gelu erf", in -> F.geluErf(in[0]), leaf(uniform(49, -4f, 4f, 3, 5)));
        check("gelu erf non-contiguous", in -> F.geluErf(in[0]), leaf(randn(50, 5, 3).transpose(0, 1)));
        check("gelu non-contiguous", in -> F.gelu(in[0]), leaf(randn(47, 5, 3).transpose(0, 1)));
        check("exp non-contiguous", in -> F.exp(in[0]), leaf(randn(48, 5, 3).transpose(0, 1)));
    }

    @Test
    void softmaxFamily() {
        check("softmax", in -> F.softmax(in[0]), param(51, 3, 5));
        check("logSoftmax", in -> F.logSoftmax(in[0]), param(52, 3, 5));
        check("softmax 3-D non-contiguous", in -> F.softmax(in[0]), leaf(randn(53, 2, 5, 3).transpose(1, 2)));
        check("logSoftmax non-contiguous", in -> F.logSoftmax(in[0]), leaf(randn(54, 5, 3).transpose(0, 1)));
    }
}
