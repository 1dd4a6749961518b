package cortado.eval.bias;

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927; the interval {@code statsmodels}'
 * {@code proportion_confint(method="wilson")} and scipy's {@code binomtest(k, n).proportion_ci(method="wilson")}
 * compute, without continuity correction):
 * {@code (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)}. Chosen over the normal (Wald) interval because
 * probe sets are small and rates near 0 or 1 are the interesting ones, where Wald's collapses to a point.
 */
public record WilsonInterval(double low, double high) {
    /** z for a two-sided 95% interval: the 0.975 quantile of the standard normal. */
    public static final double Z95 = 1.959963984540054;

    public static WilsonInterval of(int successes, int n) { return of(successes, n, Z95); }

    public static WilsonInterval of(int successes, int n, double z) {
        if (n < 1) throw new IllegalArgumentException("a proportion needs at least one trial");
        if (successes < 0 || successes > n) throw new IllegalArgumentException(successes + " successes of " + n);
        double p = (double) successes / n, z2 = z * z;
        double center = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new WilsonInterval(Math.max(0, center - half), Math.min(1, center + half));
    }

    /** Whether {@code value} lies outside the interval (e.g. 0.5, no preference). */
    public boolean excludes(double value) { return value < low || value > high; }
}
