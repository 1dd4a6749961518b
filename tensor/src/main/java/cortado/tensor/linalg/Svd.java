package cortado.tensor.linalg;

import java.util.Arrays;

/**
 * The thin singular value decomposition {@code A = U diag(S) Vh} of an {@code m × n} matrix in double precision, what
 * {@code torch.linalg.svd(A, full_matrices=False)} returns: {@code k = min(m, n)}, U {@code m × k} and the rows of Vh
 * {@code k × n} orthonormal, S descending and non-negative. Each singular pair (u_i, v_i) is fixed only up to a common
 * sign (and, for repeated singular values, up to a rotation of their subspace), so compare results through
 * {@code U diag(S) Vh} or after aligning signs.
 *
 * <p>Method: QR preconditioning then one-sided Jacobi (Hestenes 1958; Drmač and Veselić 2008, "New fast and accurate
 * Jacobi SVD algorithm"): with m >= n (else the transpose is factored), {@code A = Q R}; Jacobi rotations applied to
 * R's columns until every pair is orthogonal to working precision give {@code R V = U_R diag(S)}, so {@code U = Q U_R}.
 * Rotations work on an {@code n × n} matrix whatever m is, and the method is accurate to the last digits in the small
 * singular values too. Meant for the small-to-medium matrices of one layer (cost about {@code 2mn² + 8n³} per sweep,
 * a handful of sweeps).
 *
 * @param m  rows of A
 * @param n  columns of A
 * @param u  U, row-major {@code m × k}
 * @param s  S, length k, descending
 * @param vh Vh, row-major {@code k × n}
 */
public record Svd(int m, int n, double[] u, double[] s, double[] vh) {
    private static final int MAX_SWEEPS = 80;
    private static final double EPS = Math.ulp(1.0);

    public int k() { return Math.min(m, n); }

    /** Factors {@code a} (row-major {@code m × n}; not modified); a NaN or infinite entry is an IllegalArgumentException. */
    public static Svd of(double[] a, int m, int n) {
        if (m <= 0 || n <= 0 || a.length != (long) m * n)
            throw new IllegalArgumentException("SVD of a " + m + "x" + n + " matrix given " + a.length + " elements");
        for (int i = 0; i < a.length; i++)
            if (!Double.isFinite(a[i]))
                throw new IllegalArgumentException("SVD of a matrix holding " + a[i] + " at [" + i / n + "][" + i % n + "]");
        if (m >= n) return tall(a, m, n);
        Svd t = tall(transpose(a, m, n), n, m);           // A^T = U' S V'^T  =>  A = V' S U'^T
        return new Svd(m, n, transpose(t.vh, t.k(), m), t.s, transpose(t.u, n, t.k()));
    }

    /** m >= n. */
    private static Svd tall(double[] a, int m, int n) {
        HouseholderQr qr = HouseholderQr.of(a, m, n);       // Q m×n, R n×n
        // g holds R's columns as its rows (g[j*n + i] = R[i][j]); v holds V's columns as its rows, starting at I.
        double[] g = transpose(qr.r(), n, n);
        double[] v = new double[n * n];
        for (int j = 0; j < n; j++) v[j * n + j] = 1;
        jacobi(g, v, n);
        double[] sigma = new double[n];
        for (int j = 0; j < n; j++) sigma[j] = Math.sqrt(dot(g, j * n, g, j * n, n));
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) order[j] = j;
        Arrays.sort(order, (x, y) -> Double.compare(sigma[y], sigma[x]));
        double[] s = new double[n], ur = new double[n * n], vh = new double[n * n];  // ur: U_R's columns as rows
        double tiny = sigma[order[0]] * n * EPS;
        int rank = 0;
        for (int c = 0; c < n; c++) {
            int j = order[c];
            s[c] = sigma[j];
            System.arraycopy(v, j * n, vh, c * n, n);
            if (sigma[j] > tiny && sigma[j] > Double.MIN_NORMAL) {
                for (int i = 0; i < n; i++) ur[c * n + i] = g[j * n + i] / sigma[j];
                rank = c + 1;
            }
        }
        completeOrthonormal(ur, rank, n);                  // null singular values: any orthonormal completion
        double[] q = qr.q(), u = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int c = 0; c < n; c++) u[i * n + c] = dot(q, i * n, ur, c * n, n);  // (Q U_R)[i][c]
        return new Svd(m, n, u, s, vh);
    }

    /**
     * Rotates pairs of rows of g (and the same pairs of v) until all rows of g are mutually orthogonal: the rotation
     * of rows p, q zeroes their inner product, {@code zeta = (|g_q|² - |g_p|²) / (2 g_p·g_q)},
     * {@code t = sign(zeta) / (|zeta| + sqrt(1 + zeta²))} (Rutishauser's smaller root), {@code c = 1/sqrt(1+t²)},
     * {@code s = c t}. A pair counts as orthogonal when {@code |g_p·g_q| <= n·eps·|g_p||g_q|}.
     */
    private static void jacobi(double[] g, double[] v, int n) {
        double[] norm2 = new double[n];
        for (int j = 0; j < n; j++) norm2[j] = dot(g, j * n, g, j * n, n);
        double tol = n * EPS;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = norm2[p], beta = norm2[q];
                    if (alpha == 0 || beta == 0) continue;
                    double gamma = dot(g, p * n, g, q * n, n);
                    if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.copySign(1.0, zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    DoubleLoops.rotate(g, p * n, q * n, n, c, s);
                    DoubleLoops.rotate(v, p * n, q * n, n, c, s);
                    norm2[p] = alpha - t * gamma;                  // exact updates of the two squared norms
                    norm2[q] = beta + t * gamma;
                }
            }
            // refresh the norms from the vectors so rounding in the updates cannot accumulate over sweeps
            for (int j = 0; j < n; j++) norm2[j] = dot(g, j * n, g, j * n, n);
            if (!rotated) return;
        }
        throw new ArithmeticException("Jacobi SVD did not converge in " + MAX_SWEEPS + " sweeps");
    }

    /** Rows {@code from..n-1} of x (n × n, rows 0..from-1 orthonormal) become an orthonormal completion (Gram-Schmidt on e_i). */
    private static void completeOrthonormal(double[] x, int from, int n) {
        int row = from;
        for (int e = 0; e < n && row < n; e++) {
            double[] cand = new double[n];
            cand[e] = 1;
            for (int pass = 0; pass < 2; pass++)                      // twice is enough (Kahan-Parlett)
                for (int r = 0; r < row; r++) {
                    double d = dot(x, r * n, cand, 0, n);
                    for (int i = 0; i < n; i++) cand[i] -= d * x[r * n + i];
                }
            double len = Math.sqrt(dot(cand, 0, cand, 0, n));
            if (len < 0.5) continue;                                  // e lies (nearly) in the span already
            for (int i = 0; i < n; i++) x[row * n + i] = cand[i] / len;
            row++;
        }
    }

    private static double dot(double[] x, int xo, double[] y, int yo, int len) {
        return DoubleLoops.dot(x, xo, y, yo, len);
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }
}
