package cortado.train.tasks;

/**
 * transformers' {@code EarlyStoppingCallback} (threshold 0): after each evaluation, a value better than the best so
 * far resets the count, any other adds one, and training stops once the count reaches {@code patience}. Patience 0
 * never stops. The best value and the epoch it came from are what the best checkpoint holds; a resumed run
 * {@link #restore restores} the count too, so it stops where the uninterrupted run would.
 */
public final class EarlyStopping {
    private final String metric;
    private final boolean higherIsBetter;
    private final int patience;
    private double best = Double.NaN;
    private int bestEpoch = -1, worse;

    public EarlyStopping(String metric, int patience) {
        if (patience < 0) throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        this.metric = metric;
        this.higherIsBetter = TaskHead.higherIsBetter(metric);
        this.patience = patience;
    }

    /** Records epoch {@code epoch}'s value; true when it is the new best. */
    public boolean update(int epoch, double value) {
        boolean improved = Double.isNaN(best) || (higherIsBetter ? value > best : value < best);
        if (improved) {
            best = value;
            bestEpoch = epoch;
            worse = 0;
        } else worse++;
        return improved;
    }

    /** Puts back the state a checkpoint recorded ({@link #best}, {@link #bestEpoch}, {@link #worse}). */
    public void restore(double best, int bestEpoch, int worse) {
        if (worse < 0) throw new IllegalArgumentException("negative count of epochs without improvement: " + worse);
        this.best = best;
        this.bestEpoch = bestEpoch;
        this.worse = worse;
    }

    public boolean shouldStop() { return patience > 0 && worse >= patience; }

    public String metric() { return metric; }

    public double best() { return best; }

    public int bestEpoch() { return bestEpoch; }

    /** Evaluations since the best one. */
    public int worse() { return worse; }
}
