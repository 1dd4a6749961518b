package cortado.train;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import java.util.List;

/**
 * The held-out loss of a fine-tuning on {@link PromptCompletion}s: the mean cross-entropy of every completion token
 * (the prompts are not scored), in eval mode (dropout off) and without recording gradients. Batches are weighted by
 * the tokens they score, so the figure is the same however the examples are batched.
 */
public final class CompletionLoss {
    private CompletionLoss() {}

    /** Mean nats per completion token over all {@code examples}, {@code batch} rows of {@code seq} tokens at a time. */
    public static double mean(CausalLm model, List<PromptCompletion> examples, int batch, int seq) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no examples to evaluate");
        double sum = 0;
        long tokens = 0;
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter()) {
            for (int from = 0; from < examples.size(); from += batch) {
                Batches.Batch b = Batches.rows(examples.subList(from, Math.min(examples.size(), from + batch)), seq);
                int scored = 0;
                for (int t : b.targets()) if (t != CausalLm.IGNORE_INDEX) scored++;
                try (StepArena arena = StepArena.open()) {
                    sum += (double) Trainer.loss(model, b).item() * scored; // the loss is the mean over scored tokens
                }
                tokens += scored;
            }
        } finally {
            model.module().train(wasTraining);
        }
        return sum / tokens;
    }
}
