package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * F.inverse: A A^-1 = I for a batch of matrices (to float rounding), its gradient checked by central differences on
 * well-conditioned matrices (I plus small noise, as a Cayley transform's I + S), and clear refusals of non-square or
 * singular input.
 */
class InverseGradTest {
    private static Tensor eye(int n) {
        Tensor t = Tensor.zeros(n, n);
        for (int i = 0; i < n; i++) t.data()[i * n + i] = 1f;
        return t;
    }

    @Test
    void inverseTimesMatrixIsTheIdentity() {
        Tensor a = F.add(randn(3, 2, 3, 5, 5), F.scale(eye(5), 4f));
        float[] p = F.matmul(a, F.inverse(a)).contiguous().toArray();
        for (int m = 0; m < 6; m++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                    assertThat((double) p[m * 25 + i * 5 + j]).isCloseTo(i == j ? 1 : 0,
                            org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void gradientOfABatchOfInverses() {
        Tensor w = randn(8, 2, 3, 4, 4);
        check("inverse", in -> F.sum(F.mul(F.inverse(F.add(in[0], eye(4))), w)), param(7, 0.3f, 2, 3, 4, 4));
        check("inverse, 2-D, in a product", in -> F.sum(F.mul(F.matmul(in[1], F.inverse(F.add(in[0], eye(3)))),
                F.matmul(in[1], in[1]))), param(9, 0.3f, 3, 3), param(10, 3, 3));
    }

    @Test
    void nonSquareAndSingularAreRefused() {
        assertThatThrownBy(() -> F.inverse(Tensor.zeros(2, 3))).hasMessageContaining("square");
        assertThatThrownBy(() -> F.inverse(Tensor.zeros(2, 2, 2))).hasMessageContaining("singular");
    }
}
