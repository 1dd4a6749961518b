package cortado.train;

/**
 * What one optimizer step measured. {@code step} counts completed updates (1 for the first); {@code valLoss} is NaN
 * on steps without validation.
 */
public record StepMetrics(int step, float loss, float lr, float gradNorm, double tokensPerSecond, double stepMillis,
                          float valLoss) {
    public boolean hasValLoss() { return !Float.isNaN(valLoss); }
}
