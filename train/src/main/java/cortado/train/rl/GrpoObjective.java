package cortado.train.rl;

import cortado.nn.generate.Completion;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.MicroBatchMeans;
import cortado.train.TrainingObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GRPO as a {@link cortado.train.Trainer} objective, TRL 1.13's GRPOTrainer with num_iterations = 1 (its default):
 * each micro-batch of B prompts is sampled G times from the current policy ({@link CompletionSampler}), each
 * completion scored by the reward, the rewards turned into group advantages ({@link GroupAdvantages}), and the loss is
 * {@link GrpoLoss} with the sampling policy's log-probs equal to the current ones (the ratio is 1, its gradient the
 * policy gradient). The reference's log-probs are computed only when beta > 0. TRL generates one batch for the
 * gradient-accumulation steps and normalizes dapo by all its tokens; here each micro-batch generates its own and
 * normalizes by its own tokens, the same loss when --grad-accum is 1.
 *
 * <p>Step metrics (TRL's names, means over the step's micro-batches): reward, reward_std (the mean of the groups'
 * standard deviations), frac_reward_zero_std, completions/mean_length, completions/clipped_ratio (share that hit the
 * length limit), and GrpoLoss's kl and clip_ratio/*.
 */
public final class GrpoObjective implements TrainingObjective {
    private final GrpoLoss.Config loss;
    private final int generations;
    private final GroupAdvantages.Scale scale;
    private final CompletionSampler sampler;
    private final ToyReward reward;
    private final ReferencePolicy reference;
    private final List<Prompt> prompts;
    private final MicroBatchMeans means = new MicroBatchMeans();
    private long calls;

    /** @param reference the reference policy (used when beta > 0; may be null otherwise) */
    public GrpoObjective(GrpoLoss.Config loss, int generations, GroupAdvantages.Scale scale, CompletionSampler sampler,
                         ToyReward reward, ReferencePolicy reference, List<Prompt> prompts) {
        if (generations < 2) throw new IllegalArgumentException("GRPO needs at least 2 generations per prompt, got " + generations);
        if (loss.beta() > 0 && reference == null) throw new IllegalArgumentException("beta > 0 needs a reference policy");
        this.loss = loss;
        this.generations = generations;
        this.scale = scale;
        this.sampler = sampler;
        this.reward = reward;
        this.reference = reference;
        this.prompts = List.copyOf(prompts);
    }

    /** Where sampling stands after {@code microBatches} calls (a resumed run's steps times --grad-accum). */
    public void resumeAt(long microBatches) { calls = microBatches; }

    @Override
    public Tensor loss(CausalLm model, Batches.Batch batch) {
        List<Prompt> picked = Prompt.of(batch, prompts);
        List<int[]> rowsPrompts = new ArrayList<>();
        for (Prompt p : picked) for (int g = 0; g < generations; g++) rowsPrompts.add(p.ids());
        List<Completion> completions = sampler.sample(model, rowsPrompts, calls++);
        int n = completions.size();
        float[] rewards = new float[n];
        List<int[]> tokens = new ArrayList<>(n);
        int seq = 0, clipped = 0;
        double length = 0;
        for (int i = 0; i < n; i++) {
            Completion c = completions.get(i);
            rewards[i] = (float) reward.score(picked.get(i / generations).text(), c.text());
            tokens.add(c.tokens());
            seq = Math.max(seq, rowsPrompts.get(i).length + c.tokens().length);
            length += c.tokens().length;
            if (c.finishReason() == cortado.nn.generate.FinishReason.LENGTH) clipped++;
        }
        float[] advantages = GroupAdvantages.compute(rewards, generations, scale);
        CompletionRows rows = CompletionRows.of(rowsPrompts, tokens, seq, 0);
        float[] ref = loss.beta() > 0 ? reference.logProbs(rows, sampler.temperature()) : null;
        GrpoLoss.Result r = GrpoLoss.compute(loss, rows.logProbs(model, sampler.temperature()), null, ref, advantages,
                rows.mask(), rows.tokens());

        double mean = 0, stdSum = 0, zeroStd = 0;
        for (float x : rewards) mean += x;
        for (int g = 0; g < n; g += generations) {
            double s = GroupAdvantages.std(rewards, g, g + generations);
            stdSum += s;
            if (s == 0) zeroStd++;
        }
        int groups = n / generations;
        means.add("reward", mean / n);
        means.add("reward_std", stdSum / groups);
        means.add("frac_reward_zero_std", zeroStd / groups);
        means.add("completions/mean_length", length / n);
        means.add("completions/clipped_ratio", clipped / (double) n);
        means.addAll(r.metrics());
        means.endMicroBatch();
        return r.loss();
    }

    @Override
    public Map<String, Object> stepMetrics() { return means.drain(); }
}
