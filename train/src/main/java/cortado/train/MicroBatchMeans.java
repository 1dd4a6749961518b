package cortado.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An objective's step metrics as means over the step's micro-batches, as TRL's trainers log them: each micro-batch
 * adds its values and ends with {@link #endMicroBatch}; {@link #drain} gives the means (in first-added order) for
 * {@link TrainingObjective#stepMetrics} and starts the next step.
 */
public final class MicroBatchMeans {
    private final Map<String, Double> sums = new LinkedHashMap<>();
    private int micro;

    public void add(String key, double value) { sums.merge(key, value, Double::sum); }

    public void addAll(Map<String, Double> values) { values.forEach(this::add); }

    public void endMicroBatch() { micro++; }

    public Map<String, Object> drain() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : sums.entrySet()) out.put(e.getKey(), e.getValue() / micro);
        sums.clear();
        micro = 0;
        return out;
    }
}
