package cortado.tensor.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The separable sparse inverse DFT against the definition summed term by term in double
 * ({@code (1/MN) Σ_j v_j cos(2π(k_j a/M + l_j b/N))}), and its adjoint against {@code <T v, G> = <v, Tᵀ G>}. The
 * transform's matrix product runs in float (sums of 2K terms, K the distinct rows or columns): on the small shapes
 * agreement to 1e-6 relative to the largest entry, on a layer-sized one 1e-5 (float rounding grows with the sum's
 * length), the adjoint's identity to 1e-5; a wrong sign of the sine term, a swapped M/N or a missing 1/MN is off by
 * order one.
 */
class SparseIfft2Test {
    @Test
    void matchesTheDefinitionOnOddAndEvenShapes() {
        for (int[] mn : new int[][] {{6, 10}, {7, 5}, {1, 9}, {16, 3}}) {
            int m = mn[0], n = mn[1], count = Math.min(m * n, 11);
            SplittableRandom r = new SplittableRandom(m * 31 + n);
            float[] v = new float[count];
            int[] rows = new int[count], cols = new int[count];
            for (int j = 0; j < count; j++) {
                v[j] = (float) r.nextDouble(-2, 2);
                rows[j] = r.nextInt(m);
                cols[j] = r.nextInt(n);   // repeats allowed: they add up, as the definition does
            }
            assertThat(errorAgainstTheDefinition(v, rows, cols, m, n)).as(m + "x" + n).isLessThan(1e-6);
        }
    }

    @Test
    void matchesTheDefinitionOnALayerSizedShape() {
        int m = 288, n = 96, count = 400;   // about 220 distinct columns, 250 distinct rows
        SplittableRandom r = new SplittableRandom(11);
        float[] v = new float[count];
        int[] rows = new int[count], cols = new int[count];
        for (int j = 0; j < count; j++) {
            v[j] = (float) r.nextGaussian();
            int p = r.nextInt(m * n);
            rows[j] = p / n;
            cols[j] = p % n;
        }
        assertThat(errorAgainstTheDefinition(v, rows, cols, m, n)).isLessThan(1e-5);
        adjoint(m, n, count);
    }

    /** max |realInverse - definition| / max |definition|, the definition summed term by term in double. */
    private static double errorAgainstTheDefinition(float[] v, int[] rows, int[] cols, int m, int n) {
        float[] y = SparseIfft2.realInverse(v, rows, cols, m, n);
        double max = 0, err = 0;
        for (int a = 0; a < m; a++)
            for (int b = 0; b < n; b++) {
                double ref = 0;
                for (int j = 0; j < v.length; j++)   // exact phases: (k a mod M) / M
                    ref += v[j] * Math.cos(2 * Math.PI * (((long) rows[j] * a % m) / (double) m
                            + ((long) cols[j] * b % n) / (double) n));
                ref /= (double) m * n;
                max = Math.max(max, Math.abs(ref));
                err = Math.max(err, Math.abs(ref - y[a * n + b]));
            }
        return err / max;
    }

    @Test
    void dcTermIsConstant() {
        float[] y = SparseIfft2.realInverse(new float[] {12f}, new int[] {0}, new int[] {0}, 3, 4);
        for (float x : y) assertThat(x).isEqualTo(1f);
    }

    @Test
    void adjointSatisfiesTheInnerProductIdentity() {
        // 9x12 and 3x12: fewer distinct rows (the transposed path); 12x3: fewer distinct columns
        for (int[] mn : new int[][] {{9, 12}, {12, 3}, {3, 12}}) adjoint(mn[0], mn[1], 20);
    }

    @Test
    void theThreadCountDoesNotChangeResults() {
        int m = 40, n = 24, count = 60;
        SplittableRandom r = new SplittableRandom(8);
        float[] v = new float[count], g = new float[m * n];
        int[] rows = new int[count], cols = new int[count];
        for (int j = 0; j < count; j++) { v[j] = (float) r.nextGaussian(); rows[j] = r.nextInt(m); cols[j] = r.nextInt(n); }
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        int before = cortado.tensor.Parallel.threads();
        try {
            cortado.tensor.Parallel.setThreads(1);
            float[] y1 = SparseIfft2.realInverse(v, rows, cols, m, n), b1 = SparseIfft2.realInverseAdjoint(g, rows, cols, m, n);
            cortado.tensor.Parallel.setThreads(3);
            assertThat(SparseIfft2.realInverse(v, rows, cols, m, n)).containsExactly(y1);
            assertThat(SparseIfft2.realInverseAdjoint(g, rows, cols, m, n)).containsExactly(b1);
        } finally {
            cortado.tensor.Parallel.setThreads(before);
        }
    }

    private static void adjoint(int m, int n, int count) {
        SplittableRandom r = new SplittableRandom(5L * m + n);
        float[] v = new float[count], g = new float[m * n];
        int[] rows = new int[count], cols = new int[count];
        for (int j = 0; j < count; j++) { v[j] = (float) r.nextGaussian(); rows[j] = r.nextInt(m); cols[j] = r.nextInt(n); }
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        float[] y = SparseIfft2.realInverse(v, rows, cols, m, n);
        float[] back = SparseIfft2.realInverseAdjoint(g, rows, cols, m, n);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < g.length; i++) lhs += (double) y[i] * g[i];
        for (int j = 0; j < count; j++) rhs += (double) v[j] * back[j];
        assertThat(Math.abs(lhs - rhs)).as(m + "x" + n).isLessThan(1e-5 * Math.max(1, Math.abs(lhs)));
    }

    @Test
    void positionsOutsideTheShapeAreRefused() {
        assertThatThrownBy(() -> SparseIfft2.realInverse(new float[] {1f}, new int[] {3}, new int[] {0}, 3, 4))
                .hasMessageContaining("outside 3x4");
    }
}
