package cortado.eval;

/**
 * What lm-eval-harness's {@code loglikelihood} returns for one request: the summed log-probability of the
 * continuation's tokens and whether greedy decoding (argmax at every continuation position) would produce them.
 */
public record Loglikelihood(double logLikelihood, boolean isGreedy) {}
