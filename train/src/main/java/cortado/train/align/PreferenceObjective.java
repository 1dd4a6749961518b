package cortado.train.align;

import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.MicroBatchMeans;
import cortado.train.TrainingObjective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A preference loss (DPO and its kin, ORPO, CPO, SimPO: {@link PreferenceLoss}) as a {@link cortado.train.Trainer}
 * objective: each micro-batch is pairs laid out by {@link PreferenceBatch#pairRows}. The step's metrics are TRL's
 * (rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen, logps/rejected, and the
 * method's own), averaged over the step's micro-batches.
 */
public final class PreferenceObjective implements TrainingObjective {
    private final PreferenceLoss method;
    private final Map<String, cortado.nn.Parameter> own;
    private final MicroBatchMeans means = new MicroBatchMeans();

    public PreferenceObjective(PreferenceLoss method) { this(method, Map.of()); }

    /** @param own parameters the method trains besides the model's (a reward head) */
    public PreferenceObjective(PreferenceLoss method, Map<String, cortado.nn.Parameter> own) {
        this.method = method;
        this.own = Map.copyOf(own);
    }

    @Override
    public Map<String, cortado.nn.Parameter> parameters() { return own; }

    @Override
    public Tensor loss(CausalLm model, Batches.Batch batch) {
        DpoLoss.Result r = method.compute(model, PreferenceBatch.ofPairRows(batch));
        means.addAll(r.metrics());
        means.endMicroBatch();
        return r.loss();
    }

    @Override
    public Map<String, Object> stepMetrics() { return means.drain(); }

    /**
     * TRL's metrics (and the loss, as "loss") over held-out pairs, without gradients and in eval mode, in
     * chunks of {@code chunk} pairs; each metric is the mean over pairs.
     */
    public Map<String, Double> evaluate(CausalLm model, java.util.List<PreferenceBatch> chunks) {
        Map<String, Double> sum = new LinkedHashMap<>();
        int pairs = 0;
        boolean was = model.module().isTraining();
        model.module().train(false);
        try (cortado.autograd.NoGrad g = cortado.autograd.NoGrad.enter()) {
            for (PreferenceBatch b : chunks) {
                try (cortado.tensor.StepArena arena = cortado.tensor.StepArena.open()) {
                DpoLoss.Result r = method.compute(model, b);
                int n = b.pairs();
                sum.merge("loss", (double) r.loss().item() * n, Double::sum);
                r.metrics().forEach((k, v) -> sum.merge(k, v * n, Double::sum));
                pairs += n;
                }
            }
        } finally {
            model.module().train(was);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : sum.entrySet()) out.put(e.getKey(), e.getValue() / pairs);
        return out;
    }
}
