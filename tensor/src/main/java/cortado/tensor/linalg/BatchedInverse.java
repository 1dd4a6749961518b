package cortado.tensor.linalg;

/**
 * The inverses of a batch of square matrices by Gauss-Jordan elimination with partial pivoting, in double (what
 * {@code torch.linalg.inv} / {@code solve} give up to rounding). Used for Cayley transforms (BOFT) and for undoing a
 * merged rotation (OFT's unmerge); matrices are row-major, one after another.
 */
public final class BatchedInverse {
    private BatchedInverse() {}

    /** The inverses of {@code count} matrices {@code n × n} stored back to back in {@code a} (not modified). */
    public static double[] invert(double[] a, int count, int n) {
        if (n <= 0 || count < 0 || a.length != (long) count * n * n)
            throw new IllegalArgumentException("inverse of " + count + " matrices " + n + "x" + n + " given "
                    + a.length + " elements");
        double[] inv = new double[a.length];
        double[] w = new double[n * 2 * n];
        for (int m = 0; m < count; m++) {
            int o = m * n * n;
            java.util.Arrays.fill(w, 0);
            for (int i = 0; i < n; i++) {
                System.arraycopy(a, o + i * n, w, i * 2 * n, n);
                w[i * 2 * n + n + i] = 1;
            }
            for (int col = 0; col < n; col++) {
                int piv = col;
                for (int i = col + 1; i < n; i++)
                    if (Math.abs(w[i * 2 * n + col]) > Math.abs(w[piv * 2 * n + col])) piv = i;
                if (w[piv * 2 * n + col] == 0)
                    throw new IllegalArgumentException("matrix " + m + " of the batch is singular");
                if (piv != col)
                    for (int j = 0; j < 2 * n; j++) {
                        double t = w[col * 2 * n + j];
                        w[col * 2 * n + j] = w[piv * 2 * n + j];
                        w[piv * 2 * n + j] = t;
                    }
                double d = w[col * 2 * n + col];
                for (int j = 0; j < 2 * n; j++) w[col * 2 * n + j] /= d;
                for (int i = 0; i < n; i++) {
                    if (i == col) continue;
                    double f = w[i * 2 * n + col];
                    if (f != 0) for (int j = 0; j < 2 * n; j++) w[i * 2 * n + j] -= f * w[col * 2 * n + j];
                }
            }
            for (int i = 0; i < n; i++) System.arraycopy(w, i * 2 * n + n, inv, o + i * n, n);
        }
        return inv;
    }
}
