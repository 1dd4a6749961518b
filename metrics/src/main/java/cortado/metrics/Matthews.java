package cortado.metrics;

import java.util.TreeMap;

/**
 * The Matthews correlation coefficient (Matthews 1975; Gorodkin 2004's multiclass form), as scikit-learn's
 * {@code matthews_corrcoef}: from the confusion matrix C with row sums t (true counts), column sums p (predicted
 * counts), c correct and s samples, {@code (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t))}, and 0 when a factor of the
 * denominator is 0 (GLUE's CoLA metric).
 */
public final class Matthews {
    private Matthews() {}

    public static double coefficient(int[] yTrue, int[] yPred) {
        Classification.check(yTrue, yPred);
        TreeMap<Integer, Integer> index = new TreeMap<>();
        for (int y : yTrue) index.putIfAbsent(y, 0);
        for (int y : yPred) index.putIfAbsent(y, 0);
        int k = 0;
        for (var e : index.entrySet()) e.setValue(k++);
        long[] t = new long[k], p = new long[k];
        long correct = 0, s = yTrue.length;
        for (int i = 0; i < yTrue.length; i++) {
            t[index.get(yTrue[i])]++;
            p[index.get(yPred[i])]++;
            if (yTrue[i] == yPred[i]) correct++;
        }
        long tp = 0, pp = 0, tt = 0;
        for (int i = 0; i < k; i++) { tp += t[i] * p[i]; pp += p[i] * p[i]; tt += t[i] * t[i]; }
        double cov = (double) correct * s - tp, covPred = (double) s * s - pp, covTrue = (double) s * s - tt;
        if (covPred * covTrue == 0) return 0.0;
        return cov / Math.sqrt(covTrue * covPred);
    }
}
