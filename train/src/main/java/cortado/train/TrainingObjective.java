package cortado.train;

import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * What a {@link Trainer} step minimizes on one micro-batch. The default is next-token cross-entropy
 * ({@link Trainer#loss}); preference recipes (DPO and its kin) score pairs of rows instead, so they plug in here and
 * reuse the loop (accumulation, clipping, schedule, checkpoints, resumption) unchanged.
 */
public interface TrainingObjective {
    /** Next-token cross-entropy over the batch's targets. */
    TrainingObjective CROSS_ENTROPY = Trainer::loss;

    /** The micro-batch's loss, a scalar recording the graph (the trainer scales it by 1/K and runs backward). */
    Tensor loss(CausalLm model, Batches.Batch batch);

    /**
     * Extra fields for the step's metrics line, over the micro-batches since the last call (which it forgets):
     * e.g. DPO's rewards/accuracies. Called once after each step.
     */
    default Map<String, Object> stepMetrics() { return Map.of(); }

    /**
     * Parameters the objective owns besides the model's (a reward model's score head), trained, clipped and
     * checkpointed with them under these names.
     */
    default Map<String, cortado.nn.Parameter> parameters() { return Map.of(); }
}
