package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Backend.matmul's batching rules and stride handling against a double-precision reference. */
class MatmulTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(3);

    /** Element (i, j) of op(t) for batch index bi (ignored for 2-D t). */
    private static double el(Tensor t, int bi, int i, int j, boolean trans, int[] batchShape) {
        int row = trans ? j : i, col = trans ? i : j;
        if (t.rank() == 2) return t.get(row, col);
        int[] idx = new int[t.rank()];
        int rem = bi;
        for (int d = batchShape.length - 1; d >= 0; d--) {
            idx[d] = rem % batchShape[d];
            rem /= batchShape[d];
        }
        idx[t.rank() - 2] = row;
        idx[t.rank() - 1] = col;
        return t.get(idx);
    }

    private void check(Tensor a, Tensor b, boolean ta, boolean tb) {
        Tensor c = be.matmul(a, b, ta, tb);
        int m = ta ? a.size(-1) : a.size(-2), k = ta ? a.size(-2) : a.size(-1), n = tb ? b.size(-2) : b.size(-1);
        int[] batchShape = a.rank() > 2 ? Arrays.copyOf(a.shape(), a.rank() - 2) : Arrays.copyOf(b.shape(), b.rank() - 2);
        int batch = 1;
        for (int d : batchShape) batch *= d;
        int[] expShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        expShape[batchShape.length] = m;
        expShape[batchShape.length + 1] = n;
        assertThat(c.shape()).isEqualTo(expShape);
        double[] e = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += el(a, bi, i, p, ta, batchShape) * el(b, bi, p, j, tb, batchShape);
                    e[(bi * m + i) * n + j] = s;
                }
        // float32 accumulation over k terms of unit-variance products: 1e-5 of the largest output
        assertClose(c, e, 1e-5, 1e-5, "matmul " + Arrays.toString(a.shape()) + (ta ? "^T" : "") + " @ "
                + Arrays.toString(b.shape()) + (tb ? "^T" : ""));
    }

    @Test
    void everyTransposeCombination2d() {
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                Tensor a = ta ? randn(r, 19, 13) : randn(r, 13, 19);
                Tensor b = tb ? randn(r, 11, 19) : randn(r, 19, 11);
                check(a, b, ta, tb);
            }
    }

    /** matmulInto writes into a block of rows of a larger matrix, or adds to it; rows outside are untouched. */
    @Test
    void matmulIntoARowBlockAndAccumulate() {
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                Tensor a = ta ? randn(r, 37, 30) : randn(r, 30, 37), b = tb ? randn(r, 45, 37) : randn(r, 37, 45);
                Tensor expected = be.matmul(a, b, ta, tb);
                Tensor big = randn(r, 50, 45), before = be.copy(big);
                be.matmulInto(big.slice(0, 10, 40), a, b, ta, tb, false);
                assertClose(big.slice(0, 10, 40).contiguous(), expected, 1e-6, 1e-6, "into rows " + ta + tb);
                assertThat(big.slice(0, 0, 10).toArray()).isEqualTo(before.slice(0, 0, 10).toArray());
                assertThat(big.slice(0, 40, 50).toArray()).isEqualTo(before.slice(0, 40, 50).toArray());
                be.matmulInto(big.slice(0, 10, 40), a, b, ta, tb, true);
                assertClose(big.slice(0, 10, 40).contiguous(), be.scale(expected, 2f), 1e-6, 1e-6, "accumulate " + ta + tb);
            }
        assertThatThrownBy(() -> be.matmulInto(Tensor.zeros(3, 3), Tensor.zeros(3, 2), Tensor.zeros(2, 4), false, false,
                false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
    }

    @Test
    void batchedEqualBatches() {
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true})
                check(ta ? randn(r, 2, 3, 9, 7) : randn(r, 2, 3, 7, 9), tb ? randn(r, 2, 3, 5, 9) : randn(r, 2, 3, 9, 5), ta, tb);
    }

    @Test
    void twoDimensionalOperandIsShared() {
        check(randn(r, 4, 6, 10), randn(r, 12, 10), false, true);   // linear: x @ W^T, folds batch into M
        check(randn(r, 4, 1, 10), randn(r, 10, 12), false, false);  // M == 1 fold
        check(randn(r, 4, 10, 6), randn(r, 10, 12), true, false);   // transposed a cannot fold
        check(randn(r, 6, 10), randn(r, 3, 10, 5), false, false);   // shared left operand
        check(randn(r, 10, 6), randn(r, 3, 5, 10), true, true);
    }

    @Test
    void stridedViewsWithoutCopies() {
        Tensor a = randn(r, 2, 8, 3, 5).transpose(1, 2);            // [2,3,8,5] rows strided, batch dims uneven
        Tensor b = randn(r, 2, 3, 7, 5).transpose(2, 3);            // [2,3,5,7] transposed last two dims
        check(a, b, false, false);
        check(randn(r, 9, 20).slice(1, 3, 14), randn(r, 11, 6), false, false);  // row stride 20, 11 columns
        check(randn(r, 6, 9).transpose(0, 1), randn(r, 6, 4).transpose(0, 1), false, true);
        Tensor x = randn(r, 3, 4, 10).permute(1, 0, 2);             // [4,3,10]: batch stride 10, rows 40 apart
        check(x, randn(r, 7, 10), false, true);
    }

    @Test
    void mismatchedShapesAreRejected() {
        assertThatThrownBy(() -> be.matmul(Tensor.zeros(3, 4), Tensor.zeros(5, 6), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inner dimensions");
        assertThatThrownBy(() -> be.matmul(Tensor.zeros(2, 3, 4), Tensor.zeros(3, 4, 6), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch");
    }

    @Test
    void emptyInnerDimensionGivesZeros() {
        Tensor c = be.matmul(Tensor.zeros(3, 0), Tensor.zeros(0, 4), false, false);
        assertThat(c.shape()).isEqualTo(new int[] {3, 4});
        assertThat(c.toArray()).containsOnly(0f);
    }
}
