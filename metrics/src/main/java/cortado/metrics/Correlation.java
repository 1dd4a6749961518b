package cortado.metrics;

import java.util.Arrays;

/**
 * Pearson's r and Spearman's rho as SciPy's {@code pearsonr} and {@code spearmanr} (the STS-B metrics): Pearson on the
 * centered vectors, each scaled to unit length first; Spearman is Pearson on the ranks, ties given their average rank
 * ({@code rankdata(method="average")}). A constant input has no correlation: NaN, as SciPy returns.
 */
public final class Correlation {
    private Correlation() {}

    public static double pearson(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " values against " + y.length);
        if (x.length < 2) throw new IllegalArgumentException("correlation needs at least 2 values");
        double mx = mean(x), my = mean(y);
        double[] xm = new double[x.length], ym = new double[y.length];
        for (int i = 0; i < x.length; i++) { xm[i] = x[i] - mx; ym[i] = y[i] - my; }
        double nx = norm(xm), ny = norm(ym);
        if (nx == 0 || ny == 0) return Double.NaN;
        double r = 0;
        for (int i = 0; i < x.length; i++) r += (xm[i] / nx) * (ym[i] / ny);
        return Math.max(-1.0, Math.min(1.0, r));
    }

    public static double spearman(double[] x, double[] y) {
        return pearson(averageRanks(x), averageRanks(y));
    }

    /** Ranks 1..n, tied values sharing the mean of their ranks. */
    public static double[] averageRanks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] ranks = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // mean of ranks i+1 .. j+1
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double d : v) s += d * d;
        return Math.sqrt(s);
    }
}
