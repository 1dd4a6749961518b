package cortado.eval;

import java.util.List;

/**
 * lm-eval-harness's multiple-choice scores for one document (ConfigurableTask.process_results): {@code acc}, the
 * argmax of the per-choice log-likelihoods is the gold index; {@code acc_norm}, the argmax of each log-likelihood
 * over its choice's length in characters (Python {@code len}, code points; the target delimiter not counted).
 * numpy's argmax takes the first maximum, so ties go to the earlier choice.
 */
public record MultipleChoiceScore(double acc, double accNorm) {

    public static MultipleChoiceScore of(double[] logLikelihoods, List<String> choices, int gold) {
        if (logLikelihoods.length != choices.size()) {
            throw new IllegalArgumentException(logLikelihoods.length + " log-likelihoods for " + choices.size() + " choices");
        }
        double[] norm = new double[logLikelihoods.length];
        for (int i = 0; i < norm.length; i++) {
            String c = choices.get(i);
            norm[i] = logLikelihoods[i] / (double) c.codePointCount(0, c.length());
        }
        return new MultipleChoiceScore(argmax(logLikelihoods) == gold ? 1.0 : 0.0, argmax(norm) == gold ? 1.0 : 0.0);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
