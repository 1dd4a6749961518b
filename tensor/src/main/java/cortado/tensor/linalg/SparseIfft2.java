package cortado.tensor.linalg;

import cortado.tensor.cpu.Sgemm;

/**
 * The real part of the 2-D inverse DFT of a sparse real spectrum, as FourierFT builds its weight update
 * ({@code torch.fft.ifft2(dense).real} with {@code dense} zero but for {@code dense[rows[j], cols[j]] = values[j]}),
 * and its adjoint for the backward pass. For a real X {@code [M, N]}:
 * {@code Re(ifft2(X))[a, b] = (1/MN) Σ_{k,l} X[k, l] (cos(2πka/M) cos(2πlb/N) - sin(2πka/M) sin(2πlb/N))},
 * computed separably: first along the columns of the few non-zero rows (O(n·N)), then along the rows (a matrix product
 * M x 2K x N, K the distinct rows), or the other way round when fewer columns than rows are non-zero. The map
 * X -> Re(ifft2(X)) is linear and symmetric (cos and sin matrices are), so the gradient of {@code values[j]} is the
 * same transform of the upstream gradient read at {@code (rows[j], cols[j])}, computed the other way round (along the
 * rows of G first, only for the distinct columns). Twiddles are exact-index tables in double
 * ({@code cos(2π ((k a) mod M) / M)}); the sparse sums are in double, the matrix products in float through
 * {@link Sgemm}, whose sums run in an order the thread count does not change. Row-major host arrays; not an autograd op.
 */
public final class SparseIfft2 {
    private SparseIfft2() {}

    /**
     * The products' operands, kept per thread and grown as needed: a GPT-2 124M c_attn transform needs ~14 MB of
     * them on every forward and backward, which as fresh arrays the collector promoted faster than it freed.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int length) {
        float[][] s = SCRATCH.get();
        if (s[which].length < length) s[which] = new float[length];
        return s[which];
    }

    /** {@code Re(ifft2(X))} as a row-major {@code float[M * N]}; repeated positions add up. */
    public static float[] realInverse(float[] values, int[] rows, int[] cols, int m, int n) {
        float[] out = new float[m * n];
        realInverse(values, rows, cols, m, n, out, 0);
        return out;
    }

    /** {@link #realInverse(float[], int[], int[], int, int)} written into {@code out} from {@code outOff}. */
    public static void realInverse(float[] values, int[] rows, int[] cols, int m, int n, float[] out, int outOff) {
        check(values.length, rows, cols, m, n);
        if (out.length - outOff < (long) m * n) throw new IllegalArgumentException("output holds fewer than " + m + "x" + n);
        // Re(ifft2(X))ᵀ = Re(ifft2(Xᵀ)): transform along the axis with fewer distinct positions last
        if (distinct(cols, n) < distinct(rows, m)) byRows(values, cols, rows, n, m, true, out, outOff);
        else byRows(values, rows, cols, m, n, false, out, outOff);
    }

    /**
     * {@link #realInverse} through the K distinct rows: {@code ac/as[s, b] = Σ_l X[row_s, l] cos/sin(2π l b / N)} in
     * O(n·N), then {@code Y = (1/MN) [cos | -sin](2π row_s a / M) @ [ac; as]}, an M x 2K x N product in
     * {@link Sgemm}, a blocked kernel: summed output row by output row, the product streamed all K·N values of ac and
     * as through the cache for every row (GPT-2 124M's c_attn on 1 thread: 814 ms, now 25; SparseIfft2Bench). With
     * {@code transposed} (rows and cols swapped by the caller) Yᵀ is written, as the product of the transposes.
     */
    private static void byRows(float[] values, int[] rows, int[] cols, int m, int n, boolean transposed, float[] out,
                               int outOff) {
        double[] cosM = cosTable(m), sinM = sinTable(m), cosN = cosTable(n), sinN = sinTable(n);
        int[] slot = new int[m];
        java.util.Arrays.fill(slot, -1);
        int k = 0;
        int[] distinct = new int[Math.min(m, rows.length)];
        for (int r : rows) if (slot[r] < 0) { slot[r] = k; distinct[k++] = r; }
        // each distinct row's sums in double, then into [ac; as] ([2K, N]) in float; the values of a row in order
        int[] start = new int[k + 1], byRow = new int[values.length];
        for (int r : rows) start[slot[r] + 1]++;
        for (int s = 0; s < k; s++) start[s + 1] += start[s];
        int[] fill = java.util.Arrays.copyOf(start, k);
        for (int j = 0; j < values.length; j++) byRow[fill[slot[rows[j]]]++] = j;
        float[] right = scratch(0, 2 * k * n);
        double[] ac = new double[n], as = new double[n];
        for (int s = 0; s < k; s++) {
            java.util.Arrays.fill(ac, 0);
            java.util.Arrays.fill(as, 0);
            for (int i = start[s]; i < start[s + 1]; i++) {
                int j = byRow[i], l = cols[j];
                double v = values[j];
                if (v == 0) continue;
                for (int b = 0, t = 0; b < n; b++, t = t + l >= n ? t + l - n : t + l) {
                    ac[b] += v * cosN[t];
                    as[b] += v * sinN[t];
                }
            }
            for (int b = 0; b < n; b++) {
                right[s * n + b] = (float) ac[b];
                right[(k + s) * n + b] = (float) as[b];
            }
        }
        float[] left = scratch(1, m * 2 * k);    // [cos | -sin](2π row_s a / M), [M, 2K]
        for (int a = 0; a < m; a++)
            for (int s = 0; s < k; s++) {
                int t = (int) ((long) distinct[s] * a % m);
                left[a * 2 * k + s] = (float) cosM[t];
                left[a * 2 * k + k + s] = (float) -sinM[t];
            }
        float scale = (float) (1.0 / ((double) m * n));
        if (transposed)   // Yᵀ [N, M] = [ac; as]ᵀ @ [cos | -sin]ᵀ
            Sgemm.sgemm(true, true, n, m, 2 * k, scale, right, 0, n, left, 0, 2 * k, 0f, out, outOff, m);
        else
            Sgemm.sgemm(false, false, m, n, 2 * k, scale, left, 0, 2 * k, right, 0, n, 0f, out, outOff, n);
    }

    /**
     * The adjoint of {@link #realInverse} at upstream gradient {@code g} ({@code [M, N]} row-major): for each j,
     * {@code (1/MN) Σ_{a,b} g[a, b] Re(e^{2πi (rows[j] a / M + cols[j] b / N)})}.
     */
    public static float[] realInverseAdjoint(float[] g, int[] rows, int[] cols, int m, int n) {
        return realInverseAdjoint(g, 0, rows, cols, m, n);
    }

    /** {@link #realInverseAdjoint(float[], int[], int[], int, int)} of the gradient held in {@code g} from {@code gOff}. */
    public static float[] realInverseAdjoint(float[] g, int gOff, int[] rows, int[] cols, int m, int n) {
        check(rows.length, rows, cols, m, n);
        if (g.length - gOff < (long) m * n)
            throw new IllegalArgumentException("gradient holds fewer than " + m + "x" + n + " values");
        if (distinct(rows, m) < distinct(cols, n)) return byCols(g, gOff, true, cols, rows, n, m);
        return byCols(g, gOff, false, rows, cols, m, n);
    }

    /**
     * {@link #realInverseAdjoint} through the K distinct columns: {@code P = G @ [cos | sin](2π col_s b / N)}, an
     * M x N x 2K product in {@link Sgemm}, then each value's {@code Σ_a cos/sin(2π row_j a / M)} over its column of P
     * in O(n·M). With {@code transposed} G is stored as its transpose ({@code [N, M]}: rows and cols swapped).
     */
    private static float[] byCols(float[] g, int gOff, boolean transposed, int[] rows, int[] cols, int m, int n) {
        double[] cosM = cosTable(m), sinM = sinTable(m), cosN = cosTable(n), sinN = sinTable(n);
        int[] slot = new int[n];
        java.util.Arrays.fill(slot, -1);
        int k = 0;
        int[] distinct = new int[Math.min(n, cols.length)];
        for (int c : cols) if (slot[c] < 0) { slot[c] = k; distinct[k++] = c; }
        float[] twiddles = scratch(0, n * 2 * k);   // [cos | sin](2π col_s b / N), [N, 2K]
        for (int s = 0; s < k; s++) {
            int l = distinct[s];
            for (int b = 0, t = 0; b < n; b++, t = t + l >= n ? t + l - n : t + l) {
                twiddles[b * 2 * k + s] = (float) cosN[t];
                twiddles[b * 2 * k + k + s] = (float) sinN[t];
            }
        }
        float[] p = scratch(1, m * 2 * k);          // [pc | ps], [M, 2K]
        Sgemm.sgemm(transposed, false, m, 2 * k, n, 1f, g, gOff, transposed ? m : n, twiddles, 0, 2 * k, 0f, p, 0, 2 * k);
        float[] out = new float[rows.length];
        double inv = 1.0 / ((double) m * n);
        for (int j = 0; j < rows.length; j++) {
            int r = rows[j], s = slot[cols[j]];
            double acc = 0;
            for (int a = 0, t = 0; a < m; a++, t = t + r >= m ? t + r - m : t + r)
                acc += cosM[t] * p[a * 2 * k + s] - sinM[t] * p[a * 2 * k + k + s];
            out[j] = (float) (acc * inv);
        }
        return out;
    }

    private static int distinct(int[] idx, int size) {
        boolean[] seen = new boolean[size];
        int k = 0;
        for (int i : idx) if (!seen[i]) { seen[i] = true; k++; }
        return k;
    }

    private static void check(int count, int[] rows, int[] cols, int m, int n) {
        if (m <= 0 || n <= 0) throw new IllegalArgumentException("spectrum shape " + m + "x" + n + " must be positive");
        if (rows.length != count || cols.length != count)
            throw new IllegalArgumentException(count + " values but " + rows.length + " rows and " + cols.length + " cols");
        for (int j = 0; j < count; j++)
            if (rows[j] < 0 || rows[j] >= m || cols[j] < 0 || cols[j] >= n)
                throw new IllegalArgumentException("position (" + rows[j] + ", " + cols[j] + ") is outside " + m + "x" + n);
    }

    private static double[] cosTable(int n) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = Math.cos(2 * Math.PI * i / n);
        return t;
    }

    private static double[] sinTable(int n) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = Math.sin(2 * Math.PI * i / n);
        return t;
    }
}
