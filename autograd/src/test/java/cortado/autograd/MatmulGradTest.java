package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MatmulGradTest {
    @Test
    void matmulAllTransposeCombinations() {
        check("matmul", in -> F.matmul(in[0], in[1]), param(1, 3, 4), param(2, 4, 5));
        check("matmul transA", in -> F.matmul(in[0], in[1], true, false), param(3, 4, 3), param(4, 4, 5));
        check("matmul transB", in -> F.matmul(in[0], in[1], false, true), param(5, 3, 4), param(6, 5, 4));
        check("matmul transA transB", in -> F.matmul(in[0], in[1], true, true), param(7, 4, 3), param(8, 5, 4));
    }

    @Test
    void batchedMatmulAndSharedOperands() {
        check("matmul batched", in -> F.matmul(in[0], in[1]), param(11, 2, 3, 4), param(12, 2, 4, 5));
        check("matmul batched 4-D transB", in -> F.matmul(in[0], in[1], false, true),
                param(13, 2, 2, 3, 4), param(14, 2, 2, 5, 4));
        check("matmul shared 2-D b", in -> F.matmul(in[0], in[1]), param(15, 2, 3, 4), param(16, 4, 5));
        check("matmul shared 2-D b transB", in -> F.matmul(in[0], in[1], false, true), param(17, 2, 3, 4), param(18, 5, 4));
        check("matmul shared 2-D b transA", in -> F.matmul(in[0], in[1], true, false), param(19, 2, 4, 3), param(20, 4, 5));
        check("matmul shared 2-D a", in -> F.matmul(in[0], in[1]), param(21, 3, 4), param(22, 2, 4, 5));
    }

    @Test
    void matmulNonContiguousInputs() {
        // a is a transposed view, b a slice of a wider matrix: strides differ from a dense layout
        check("matmul non-contiguous", in -> F.matmul(in[0], in[1]),
                leaf(randn(31, 4, 3).transpose(0, 1)), leaf(randn(32, 4, 7).slice(1, 1, 6)));
        check("matmul batched non-contiguous", in -> F.matmul(in[0], in[1]),
                leaf(randn(33, 3, 2, 4).permute(1, 0, 2)), param(34, 2, 4, 5));
    }

    @Test
    void linear() {
        check("linear bias", in -> F.linear(in[0], in[1], in[2]), param(41, 2, 3, 4), param(42, 5, 4), param(43, 5));
        check("linear no bias", in -> F.linear(in[0], in[1], null), param(44, 3, 4), param(45, 5, 4));
        check("linear non-contiguous x", in -> F.linear(in[0], in[1], in[2]),
                leaf(randn(46, 3, 2, 4).transpose(0, 1)), param(47, 5, 4), param(48, 5));
        // frozen weight (PEFT): only x and bias get gradients
        check("linear frozen weight", in -> F.linear(in[0], in[1], in[2]), param(49, 3, 4), randn(50, 5, 4), param(51, 5));
    }

    @Test
    void addLinear() {
        // y [2, 3, 5] + 0.7 * h [2, 3, 4] @ w [5, 4]^T, every input trainable, then frozen y and w (QLoRA's layer 0)
        check("addLinear", in -> F.addLinear(in[0], in[1], in[2], 0.7f), param(70, 2, 3, 5), param(71, 2, 3, 4),
                param(72, 5, 4));
        check("addLinear frozen base output and weight", in -> F.addLinear(in[0], in[1], in[2], -1.3f),
                randn(73, 3, 5), param(74, 3, 4), randn(75, 5, 4));
        check("addLinear + gelu", in -> F.addLinearGelu(in[0], in[1], in[2], 0.5f), param(76, 3, 5), param(77, 3, 4),
                param(78, 5, 4));
    }

    @Test
    void addLinearEqualsTheUnfusedSum() {
        Tensor y = randn(80, 6, 5), h = randn(81, 6, 4), w = randn(82, 5, 4);
        float[] fused = F.addLinear(y, h, w, 0.25f).toArray();
        float[] unfused = F.add(y, F.scale(F.linear(h, w, null), 0.25f)).toArray();
        // Same sums; only where the scale is applied (on h, or on the product) rounds differently: a few ulps.
        for (int i = 0; i < fused.length; i++)
            org.assertj.core.api.Assertions.assertThat(fused[i]).isCloseTo(unfused[i],
                    org.assertj.core.data.Offset.offset(1e-5f));
        float[] gelu = F.addLinearGelu(y, h, w, 0.25f).toArray(), ref = F.gelu(F.addLinear(y, h, w, 0.25f)).toArray();
        for (int i = 0; i < gelu.length; i++)
            org.assertj.core.api.Assertions.assertThat(gelu[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void fusedProjections() {
        check("linear + gelu", in -> F.linearGelu(in[0], in[1], in[2]), param(52, 2, 3, 4), param(53, 5, 4), param(54, 5));
        check("linear + gelu no bias", in -> F.linearGelu(in[0], in[1], null), param(55, 3, 4), param(56, 5, 4));
        check("affine (Conv1D layout)", in -> F.affine(in[0], in[1], in[2]), param(57, 2, 3, 4), param(58, 4, 5),
                param(59, 5));
        check("affine + gelu", in -> F.affineGelu(in[0], in[1], in[2]),
                leaf(randn(60, 3, 2, 4).transpose(0, 1)), param(61, 4, 5), param(62, 5));
        check("affine + gelu frozen weight", in -> F.affineGelu(in[0], in[1], in[2]), param(63, 3, 4),
                randn(64, 4, 5), param(65, 5));
    }
}
