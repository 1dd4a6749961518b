package cortado.train.rl;

import cortado.nn.generate.Completion;
import cortado.nn.models.CausalLm;
import java.util.ArrayList;
import java.util.List;

/**
 * The mean reward of completions sampled for held-out prompts: {@code samples} per prompt from the sampler's fixed
 * seeds (so a model before and after training is scored on the same random draws), in batches of {@code batch}
 * prompts. What "GRPO / PPO raise the reward" is measured by.
 */
public final class HeldOutReward {
    /** Far from the calls training makes, so held-out draws never repeat a training draw. */
    static final long CALL_BASE = 1L << 40;

    private HeldOutReward() {}

    public record Result(double mean, double meanLength, int completions) {}

    public static Result evaluate(CausalLm model, CompletionSampler sampler, ToyReward reward, List<Prompt> prompts,
                                  int samples, int batch) {
        double sum = 0, length = 0;
        int n = 0;
        List<Prompt> rows = new ArrayList<>();
        for (Prompt p : prompts) for (int s = 0; s < samples; s++) rows.add(p);
        for (int i = 0; i < rows.size(); i += batch) {
            List<Prompt> chunk = rows.subList(i, Math.min(rows.size(), i + batch));
            List<int[]> ids = new ArrayList<>(chunk.size());
            for (Prompt p : chunk) ids.add(p.ids());
            List<Completion> out;
            try (cortado.tensor.StepArena arena = cortado.tensor.StepArena.open()) {
                out = sampler.sample(model, ids, CALL_BASE + i / batch);
            }
            for (int j = 0; j < out.size(); j++) {
                sum += reward.score(chunk.get(j).text(), out.get(j).text());
                length += out.get(j).tokens().length;
                n++;
            }
        }
        return new Result(sum / n, length / n, n);
    }
}
