package cortado.eval;

import java.util.List;

/**
 * Log-likelihoods of text continuations after text contexts: the seam the bias, robustness and safety probes score
 * through ({@link ModelTextScorer} runs a model; a test can answer with fixed numbers to check a probe's arithmetic).
 */
public interface TextScorer {
    /** A continuation's summed log-probability, its length in tokens, and whether greedy decoding would produce it. */
    record Scored(double logLikelihood, int tokens, boolean isGreedy) {
        /** The mean log-probability per token. */
        public double perToken() { return logLikelihood / tokens; }
    }

    /** One result per request, in order. */
    List<Scored> score(List<MultipleChoiceTask.Request> requests);
}
