package cortado.metrics;

import java.util.TreeSet;

/**
 * Accuracy, precision, recall and F1 of class labels as scikit-learn's {@code accuracy_score} and
 * {@code precision_recall_fscore_support} compute them, with its default {@code zero_division}: a 0/0 ratio counts 0.
 * Averages: {@code binary} (the positive label only), {@code micro} (global true/false positive and negative counts),
 * {@code macro} (unweighted mean over the labels present in either array) and {@code weighted} (mean weighted by each
 * label's true count). F1 is {@code 2 tp / (2 tp + fp + fn)}, as scikit-learn computes it.
 */
public final class Classification {
    /** How per-label scores are combined (scikit-learn's {@code average}). */
    public enum Average { BINARY, MICRO, MACRO, WEIGHTED }

    /** Precision, recall and F1 in 0..1. */
    public record Prf(double precision, double recall, double f1) {}

    private Classification() {}

    public static double accuracy(int[] yTrue, int[] yPred) {
        check(yTrue, yPred);
        int right = 0;
        for (int i = 0; i < yTrue.length; i++) if (yTrue[i] == yPred[i]) right++;
        return (double) right / yTrue.length;
    }

    /** Precision, recall and F1 averaged as asked; {@code positiveLabel} matters for {@code BINARY} only. */
    public static Prf prf(int[] yTrue, int[] yPred, Average average, int positiveLabel) {
        check(yTrue, yPred);
        TreeSet<Integer> labelSet = new TreeSet<>();
        for (int y : yTrue) labelSet.add(y);
        for (int y : yPred) labelSet.add(y);
        int[] labels = average == Average.BINARY ? new int[] {positiveLabel}
                : labelSet.stream().mapToInt(Integer::intValue).toArray();
        if (average == Average.BINARY && labelSet.size() > 2)
            throw new IllegalArgumentException("binary average needs at most 2 labels, got " + labelSet);
        long[] tp = new long[labels.length], fp = new long[labels.length], fn = new long[labels.length];
        for (int i = 0; i < yTrue.length; i++) {
            for (int k = 0; k < labels.length; k++) {
                boolean t = yTrue[i] == labels[k], p = yPred[i] == labels[k];
                if (t && p) tp[k]++;
                else if (p) fp[k]++;
                else if (t) fn[k]++;
            }
        }
        if (average == Average.MICRO) {
            long a = 0, b = 0, c = 0;
            for (int k = 0; k < labels.length; k++) { a += tp[k]; b += fp[k]; c += fn[k]; }
            return new Prf(ratio(a, a + b), ratio(a, a + c), ratio(2 * a, 2 * a + b + c));
        }
        double p = 0, r = 0, f = 0, weightSum = 0;
        for (int k = 0; k < labels.length; k++) {
            double w = average == Average.WEIGHTED ? tp[k] + fn[k] : 1;
            p += w * ratio(tp[k], tp[k] + fp[k]);
            r += w * ratio(tp[k], tp[k] + fn[k]);
            f += w * ratio(2 * tp[k], 2 * tp[k] + fp[k] + fn[k]);
            weightSum += w;
        }
        if (weightSum == 0) return new Prf(0, 0, 0);
        return new Prf(p / weightSum, r / weightSum, f / weightSum);
    }

    private static double ratio(long num, long den) { return den == 0 ? 0.0 : (double) num / den; }

    static void check(int[] yTrue, int[] yPred) {
        if (yTrue.length != yPred.length)
            throw new IllegalArgumentException(yTrue.length + " true labels but " + yPred.length + " predictions");
        if (yTrue.length == 0) throw new IllegalArgumentException("no labels");
    }
}
