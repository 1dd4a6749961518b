package cortado.eval;

/**
 * lm-eval-harness's {@code mean} aggregation with its {@code mean_stderr}: the sample standard deviation
 * (n - 1 in the denominator) over sqrt(n), summed in order as Python's {@code sum} does.
 */
public record MeanWithStderr(double mean, double stderr) {

    public static MeanWithStderr of(double[] values) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("no values to aggregate");
        double sum = 0;
        for (double v : values) sum += v;
        double mu = sum / n;
        if (n == 1) return new MeanWithStderr(mu, Double.NaN); // lm-eval divides by zero here; no spread to report
        double sq = 0;
        for (double v : values) sq += (v - mu) * (v - mu);
        return new MeanWithStderr(mu, Math.sqrt(sq / (n - 1)) / Math.sqrt(n));
    }
}
