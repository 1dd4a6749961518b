package cortado.tensor.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Svd} and {@link HouseholderQr} against numpy's LAPACK results in float64 (tools/golden/make_linalg_golden.py:
 * tall, wide, square, rank-deficient, repeated and graded singular values, a zero column; QR of tall, wide and
 * triangular matrices).
 *
 * <p>Tolerances. Both sides are backward stable in double precision, so S agrees to {@code 1e-12 · s_max} (a few
 * hundred ulps of the largest value; a wrong rotation angle or a missing sweep leaves errors of 1e-3 and more). A
 * singular vector is determined only up to sign, so each pair (u_i, v_i) is compared after flipping both by the sign of
 * u_i·u_ref_i, within {@code 1e-9 · s_max / gap_i} (the vectors' perturbation bound, Wedin's theorem) and only where
 * that gap exists; vectors of repeated or null singular values are held by the reconstruction and orthonormality
 * checks ({@code 1e-12}). QR shares LAPACK's sign convention, so Q and R are compared element by element (1e-12).
 */
class LinalgGoldenTest {

    record Case(String name, String kind, int m, int n, double[] a, double[][] out) {
        @Override public String toString() { return name; }
    }

    static Stream<Case> svdCases() throws IOException { return cases().stream().filter(c -> c.kind.equals("svd")); }

    static Stream<Case> qrCases() throws IOException { return cases().stream().filter(c -> c.kind.equals("qr")); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("svdCases")
    void svdMatchesNumpy(Case c) {
        int m = c.m, n = c.n, k = Math.min(m, n);
        double[] uRef = c.out[0], sRef = c.out[1], vhRef = c.out[2];
        Svd svd = Svd.of(c.a, m, n);
        double smax = sRef[0];
        for (int i = 0; i < k; i++)
            assertThat(Math.abs(svd.s()[i] - sRef[i])).as(c.name + " s[" + i + "]").isLessThanOrEqualTo(1e-12 * smax);
        assertReconstructs(c.name, c.a, svd, 1e-12 * Math.max(smax, 1e-300));
        assertOrthonormalColumns(c.name + " U", svd.u(), m, k);
        assertOrthonormalColumns(c.name + " Vh^T", transpose(svd.vh(), k, n), n, k);
        int compared = 0;
        for (int i = 0; i < k; i++) {
            double gap = Double.POSITIVE_INFINITY;
            if (i > 0) gap = Math.min(gap, sRef[i - 1] - sRef[i]);
            if (i < k - 1) gap = Math.min(gap, sRef[i] - sRef[i + 1]);
            if (sRef[i] <= 1e-12 * smax || gap <= 1e-6 * smax) continue;   // vector not determined
            double sign = 0;
            for (int r = 0; r < m; r++) sign += svd.u()[r * k + i] * uRef[r * k + i];
            sign = Math.signum(sign);
            double tol = 1e-9 * smax / gap;
            for (int r = 0; r < m; r++)
                assertThat(Math.abs(sign * svd.u()[r * k + i] - uRef[r * k + i])).as(c.name + " U[" + r + "][" + i + "]")
                        .isLessThanOrEqualTo(tol);
            for (int j = 0; j < n; j++)
                assertThat(Math.abs(sign * svd.vh()[i * n + j] - vhRef[i * n + j])).as(c.name + " Vh[" + i + "][" + j + "]")
                        .isLessThanOrEqualTo(tol);
            compared++;
        }
        if (!c.name.contains("repeated")) assertThat(compared).as(c.name + " vectors compared").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qrCases")
    void qrMatchesNumpy(Case c) {
        HouseholderQr qr = HouseholderQr.of(c.a, c.m, c.n);
        assertClose(c.name + " Q", qr.q(), c.out[0], 1e-12);
        assertClose(c.name + " R", qr.r(), c.out[1], 1e-12);
    }

    /** Larger random shapes (no golden needed): the factorization reconstructs A and its factors are orthonormal. */
    @Test
    void svdOfLayerSizedMatricesReconstructs() {
        Random rnd = new Random(5);
        for (int[] mn : new int[][] {{96, 40}, {40, 96}, {64, 64}}) {
            int m = mn[0], n = mn[1], k = Math.min(m, n);
            double[] a = new double[m * n];
            for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
            Svd svd = Svd.of(a, m, n);
            assertReconstructs(m + "x" + n, a, svd, 1e-11 * svd.s()[0]);
            assertOrthonormalColumns(m + "x" + n + " U", svd.u(), m, k);
            for (int i = 1; i < k; i++) assertThat(svd.s()[i]).isLessThanOrEqualTo(svd.s()[i - 1]);
        }
    }

    @Test
    void aNonFiniteEntryIsAClearError() {
        double[] a = {1, 2, 3, Double.NaN, 5, 6};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Svd.of(a, 2, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("SVD of a matrix holding NaN at [1][0]");
    }

    private static void assertReconstructs(String what, double[] a, Svd svd, double tol) {
        int m = svd.m(), n = svd.n(), k = svd.k();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int c = 0; c < k; c++) acc += svd.u()[i * k + c] * svd.s()[c] * svd.vh()[c * n + j];
                assertThat(Math.abs(acc - a[i * n + j])).as(what + " (U S Vh)[" + i + "][" + j + "]").isLessThanOrEqualTo(tol);
            }
    }

    private static void assertOrthonormalColumns(String what, double[] x, int rows, int cols) {
        for (int p = 0; p < cols; p++)
            for (int q = p; q < cols; q++) {
                double d = 0;
                for (int r = 0; r < rows; r++) d += x[r * cols + p] * x[r * cols + q];
                assertThat(Math.abs(d - (p == q ? 1 : 0))).as(what + " columns " + p + "·" + q).isLessThanOrEqualTo(1e-12);
            }
    }

    private static void assertClose(String what, double[] got, double[] ref, double tol) {
        assertThat(got).as(what + " length").hasSameSizeAs(ref);
        for (int i = 0; i < ref.length; i++)
            assertThat(Math.abs(got[i] - ref[i])).as(what + "[" + i + "]").isLessThanOrEqualTo(tol);
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    static List<Case> cases() throws IOException {
        try (InputStream in = LinalgGoldenTest.class.getResourceAsStream("/golden/linalg.bin")) {
            if (in == null) throw new IOException("golden/linalg.bin is missing from the test resources");
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[17];
            b.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("CORTADO-LINALG-1\n"))
                throw new IOException("golden/linalg.bin: not a linalg golden file");
            List<Case> out = new ArrayList<>();
            for (int c = 0, count = b.getInt(); c < count; c++) {
                String name = str(b), kind = str(b);
                int m = b.getInt(), n = b.getInt(), k = Math.min(m, n);
                double[] a = doubles(b, m * n);
                double[][] res = kind.equals("svd")
                        ? new double[][] {doubles(b, m * k), doubles(b, k), doubles(b, k * n)}
                        : new double[][] {doubles(b, m * k), doubles(b, k * n)};
                out.add(new Case(name, kind, m, n, a, res));
            }
            return out;
        }
    }

    private static double[] doubles(ByteBuffer b, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = b.getDouble();
        return v;
    }

    private static String str(ByteBuffer b) {
        byte[] s = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
