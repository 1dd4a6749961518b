package cortado.cli;

import java.util.Map;

/**
 * One method's measurements in {@code cortado peft-compare} (what {@link PeftTrial} wrote; NaN where the frozen row
 * has none).
 *
 * @param trainable    parameters the method trains (PEFT's count: {@code PeftModel.trainableAndAll})
 * @param all          parameters of the adapted model, the base's included (a quantized weight counts out x in)
 * @param peakRssMb    the method's process's peak resident set (VmHWM), MB
 * @param medianStepMs median wall time of an optimizer step
 * @param tokensPerS   batch x seq positions (padding included) per second at the median step
 * @param heldOutLoss  completion-only loss of the held-out answers, nats per answer token
 * @param exactMatch   greedy held-out answers equal to the reference, in [0, 1]
 * @param corpusLoss   next-token loss on the pretraining corpus after training (forgetting), nats per token
 */
record PeftCompareRow(String method, double lr, long trainable, long all, double peakRssMb, double medianStepMs,
                      double tokensPerS, double heldOutLoss, double exactMatch, int heldOutPairs, double corpusLoss,
                      double trainSeconds) {
    double trainablePercent() { return 100.0 * trainable / all; }

    static PeftCompareRow of(Map<String, Object> m) {
        return new PeftCompareRow((String) m.get("method"), num(m, "lr"), (long) num(m, "trainable"),
                (long) num(m, "all"), num(m, "peak_rss_mb"), num(m, "median_step_ms"), num(m, "tokens_per_s"),
                num(m, "heldout_loss"), num(m, "exact_match"), (int) num(m, "heldout_pairs"), num(m, "corpus_loss"),
                num(m, "train_s"));
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
