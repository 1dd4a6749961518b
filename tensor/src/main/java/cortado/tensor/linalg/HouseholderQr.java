package cortado.tensor.linalg;

/**
 * The reduced QR factorization {@code A = Q R} of an {@code m × n} matrix by Householder reflections (Golub and Van
 * Loan, "Matrix Computations", §5.2), with {@code k = min(m, n)}: Q {@code m × k} with orthonormal columns, R
 * {@code k × n} upper triangular. The reflector of each column follows LAPACK's {@code dlarfg} ({@code beta =
 * -sign(alpha) · ||x||}, no reflection when the part below the diagonal is already zero), so R's diagonal carries the
 * signs {@code torch.linalg.qr(mode="reduced")} gives, and Q is accumulated backwards as {@code dorgqr} does.
 *
 * @param m rows of A
 * @param n columns of A
 * @param q Q, row-major {@code m × k}
 * @param r R, row-major {@code k × n}
 */
public record HouseholderQr(int m, int n, double[] q, double[] r) {

    public int k() { return Math.min(m, n); }

    /** Factors {@code a} (row-major {@code m × n}; not modified). */
    public static HouseholderQr of(double[] a, int m, int n) {
        if (m <= 0 || n <= 0 || a.length != (long) m * n)
            throw new IllegalArgumentException("QR of a " + m + "x" + n + " matrix given " + a.length + " elements");
        int k = Math.min(m, n);
        // Work on the transpose: column j of A is the contiguous row j of w, so every reflection streams memory.
        double[] w = new double[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) w[j * m + i] = a[i * n + j];
        double[] tau = new double[k];
        for (int j = 0; j < k; j++) {
            int cj = j * m;
            double alpha = w[cj + j], xnorm = 0;
            for (int i = j + 1; i < m; i++) xnorm = Math.hypot(xnorm, w[cj + i]);
            if (xnorm == 0) { tau[j] = 0; continue; }                     // H = I, R[j][j] = alpha (dlarfg)
            double beta = -Math.copySign(Math.hypot(alpha, xnorm), alpha);
            tau[j] = (beta - alpha) / beta;
            double inv = 1 / (alpha - beta);
            for (int i = j + 1; i < m; i++) w[cj + i] *= inv;           // v = [1, x / (alpha - beta)]
            w[cj + j] = beta;
            for (int c = j + 1; c < n; c++) reflect(w, cj, c * m, j, m, tau[j]);
        }
        double[] r = new double[k * n];
        for (int i = 0; i < k; i++) for (int j = i; j < n; j++) r[i * n + j] = w[j * m + i];
        // Q = H_0 H_1 ... H_{k-1} applied to the first k columns of I, innermost reflector first (dorg2r).
        double[] qt = new double[k * m];                                // Q's columns as rows
        for (int c = 0; c < k; c++) qt[c * m + c] = 1;
        for (int j = k - 1; j >= 0; j--)
            for (int c = j; c < k; c++) reflect(w, j * m, c * m, j, m, tau[j], qt);
        double[] q = new double[m * k];
        for (int i = 0; i < m; i++) for (int c = 0; c < k; c++) q[i * k + c] = qt[c * m + i];
        return new HouseholderQr(m, n, q, r);
    }

    /** Column {@code y} of {@code w} (rows j..m) -= tau · v (v · y), with v stored in column {@code v} below j, v_j = 1. */
    private static void reflect(double[] w, int v, int y, int j, int m, double tau) { reflect(w, v, y, j, m, tau, w); }

    private static void reflect(double[] vs, int v, int y, int j, int m, double tau, double[] ys) {
        if (tau == 0) return;
        double dot = tau * (ys[y + j] + DoubleLoops.dot(vs, v + j + 1, ys, y + j + 1, m - j - 1));
        ys[y + j] -= dot;
        DoubleLoops.axpyMinus(dot, vs, v + j + 1, ys, y + j + 1, m - j - 1);
    }
}
