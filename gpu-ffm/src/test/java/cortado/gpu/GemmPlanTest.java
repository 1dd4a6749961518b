package cortado.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The mapping of row-major products onto column-major cuBLAS calls, checked without a GPU: each plan is executed by
 * a reference implementation of cublasSgemmStridedBatched's contract (op, ld, strides, column-major C) on the
 * operands' storage arrays, and must give the CPU backend's product (within 1e-5: both sum K products in float or
 * double in different orders). Operands come as row-major, stored transposed (column-major), sliced and batched views;
 * a layout cuBLAS cannot read (a permuted batch, every other element) must be refused so the backend copies it first.
 */
class GemmPlanTest {
    private static final Random RNG = new Random(7);

    private static Tensor matrix(int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numelOf(shape))];
        for (int i = 0; i < v.length; i++) v[i] = RNG.nextFloat() * 2 - 1;
        return Tensor.of(v, shape);
    }

    /** A tensor of {@code shape} stored with its last two dimensions swapped (a column-major view). */
    private static Tensor transposedStorage(int... shape) {
        int[] swapped = shape.clone();
        swapped[shape.length - 1] = shape[shape.length - 2];
        swapped[shape.length - 2] = shape[shape.length - 1];
        return matrix(swapped).transpose(-1, -2);
    }

    /** Column-major strided-batched SGEMM as cuBLAS defines it, on the operands' storage arrays. */
    private static float[] execute(GemmPlan p, Tensor a, Tensor b, int outElements) {
        float[] first = b.data(), second = a.data(), c = new float[outElements];
        for (int bi = 0; bi < p.batch(); bi++) {
            long f0 = p.firstOffset() + bi * p.strideFirst(), s0 = p.secondOffset() + bi * p.strideSecond();
            for (int i = 0; i < p.m(); i++)
                for (int j = 0; j < p.n(); j++) {
                    double s = 0;
                    for (int l = 0; l < p.k(); l++) {
                        float x1 = p.transFirst() ? first[(int) (f0 + l + (long) i * p.ldFirst())]
                                : first[(int) (f0 + i + (long) l * p.ldFirst())];
                        float x2 = p.transSecond() ? second[(int) (s0 + j + (long) l * p.ldSecond())]
                                : second[(int) (s0 + l + (long) j * p.ldSecond())];
                        s += (double) x1 * x2;
                    }
                    c[(int) (bi * p.strideC() + i + (long) j * p.ldc())] = (float) s;
                }
        }
        return c;
    }

    private static void check(Tensor a, Tensor b, boolean transA, boolean transB) {
        GemmPlan.Shape s = GemmPlan.shape(a, b, transA, transB);
        GemmLayout la = GemmLayout.of(a), lb = GemmLayout.of(b);
        assertThat(la).as("layout of " + a).isNotNull();
        assertThat(lb).as("layout of " + b).isNotNull();
        GemmPlan p = GemmPlan.of(s, a, la, transA, b, lb, transB, s.n(), (long) s.m() * s.n());
        float[] got = execute(p, a, b, Math.toIntExact(Tensor.numelOf(s.out())));
        float[] want = Backends.cpu().matmul(a, b, transA, transB).toArray();
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++)
            assertThat(Math.abs(got[i] - want[i])).as("element " + i).isLessThanOrEqualTo(1e-5f * (1 + Math.abs(want[i])));
    }

    @Test
    void everyCombinationOfTransposeFlagAndStorageOrderOf2dOperands() {
        int m = 5, k = 7, n = 3;
        for (boolean transA : new boolean[] {false, true})
            for (boolean transB : new boolean[] {false, true})
                for (boolean aCol : new boolean[] {false, true})
                    for (boolean bCol : new boolean[] {false, true}) {
                        int[] as = transA ? new int[] {k, m} : new int[] {m, k};
                        int[] bs = transB ? new int[] {n, k} : new int[] {k, n};
                        check(aCol ? transposedStorage(as) : matrix(as), bCol ? transposedStorage(bs) : matrix(bs),
                                transA, transB);
                    }
    }

    @Test
    void slicedRowsAndColumnsUseTheirLeadingDimensionAndOffset() {
        Tensor a = matrix(9, 12).slice(0, 2, 7).slice(1, 1, 8);   // [5, 7], ld 12, offset 25
        Tensor b = matrix(7, 10).slice(1, 4, 7);                  // [7, 3], ld 10, offset 4
        check(a, b, false, false);
        check(matrix(11, 7).slice(0, 3, 8).transpose(0, 1), b, true, false); // a^T of a sliced [5,7] stored as [7,5] view
    }

    @Test
    void batchedOperandsAndA2dOperandSharedByEveryBatch() {
        check(matrix(2, 3, 4, 6), matrix(6, 5), false, false);
        check(matrix(4, 6), matrix(2, 3, 6, 5), false, false);
        check(matrix(2, 3, 4, 6), matrix(2, 3, 5, 6), false, true);
        check(transposedStorage(2, 3, 4, 6), matrix(2, 3, 6, 5), false, false);
        check(matrix(3, 6, 4), transposedStorage(3, 6, 5), true, false);
        check(matrix(1, 4, 6), matrix(6, 5), false, false);
    }

    @Test
    void layoutsCuBlasCannotReadAreRefused() {
        assertThat(GemmLayout.of(matrix(3, 2, 4, 6).permute(1, 0, 2, 3))).as("permuted batch").isNull();
        Tensor base = matrix(2 * 4 * 6);
        Tensor everyOther = new Tensor(base.storage(), new int[] {4, 6}, new long[] {12, 2}, 0);
        assertThat(GemmLayout.of(everyOther)).as("every other element").isNull();
        assertThat(GemmLayout.of(matrix(6))).as("a vector").isNull();
    }
}
