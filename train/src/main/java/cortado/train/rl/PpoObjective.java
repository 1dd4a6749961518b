package cortado.train.rl;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.generate.Completion;
import cortado.nn.generate.FinishReason;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.MicroBatchMeans;
import cortado.train.TrainingObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PPO for RLHF as a {@link cortado.train.Trainer} objective, TRL's last PPOTrainer with num_mini_batches = 1 (its
 * default): every {@code epochs} optimizer steps form one PPO update. At its first step each micro-batch of prompts is
 * answered by the policy (one response each, {@link CompletionSampler}), scored ({@link RolloutScorer}, minus
 * missing_eos_penalty when the response has no end-of-text token), and turned into per-token rewards, advantages and
 * returns ({@link PpoRollout}) from the policy's, the reference's and the value model's view of it; every step of the
 * update (the PPO epochs) then minimizes {@link PpoLoss} on those rollouts, the policy and the value model training
 * together (TRL's PolicyAndValueWrapper: the value model's parameters are the objective's, named value_model.*).
 * Dropout is off in every forward, as TRL's PPOTrainer disables it.
 *
 * <p>Differences from TRL, by construction: advantages are whitened per micro-batch (TRL: over the whole rollout of
 * --batch x --grad-accum; the same when --grad-accum is 1); the epochs do not reshuffle rows between micro-batches
 * (with one micro-batch there is nothing to shuffle); the learning-rate schedule advances per optimizer step, not per
 * update; the trainer still draws a batch of prompts at the later epochs' steps, which go unused.
 *
 * <p>Step metrics (TRL's names): objective/kl, objective/non_score_reward, objective/rlhf_reward, objective/scores,
 * val/num_eos_tokens (of the update's rollouts), ppo_epoch, and PpoLoss's loss/policy, loss/value, policy/clipfrac,
 * val/clipfrac, policy/approxkl, val/ratio (of the step).
 */
public final class PpoObjective implements TrainingObjective {
    /** The value model's parameters carry this prefix next to the policy's. */
    public static final String VALUE_PREFIX = "value_model.";

    /** PPOConfig's fields beyond the rollout's and the loss's: num_ppo_epochs, missing_eos_penalty (null: none). */
    public record Config(PpoRollout.Config rollout, PpoLoss.Config loss, int epochs, Float missingEosPenalty) {
        public Config {
            if (epochs < 1) throw new IllegalArgumentException("PPO epochs must be >= 1, got " + epochs);
        }
    }

    /** One micro-batch's rollout in {@link CompletionRows}'s layout. */
    private record Rollout(CompletionRows rows, float[] logprobs, float[] values, float[] returns, float[] advantages,
                           float[] mask, float[] maskP1, int window, Map<String, Double> metrics) {}

    private final Config config;
    private final DecoderForSequenceClassification value;
    private final ReferencePolicy reference;
    private final RolloutScorer scorer;
    private final CompletionSampler sampler;
    private final List<Prompt> prompts;
    private final int gradAccum;
    private final Rollout[] rollouts;
    private final MicroBatchMeans means = new MicroBatchMeans();
    private long calls;

    public PpoObjective(Config config, DecoderForSequenceClassification value, ReferencePolicy reference,
                        RolloutScorer scorer, CompletionSampler sampler, List<Prompt> prompts, int gradAccum) {
        this.config = config;
        this.value = value;
        this.reference = reference;
        this.scorer = scorer;
        this.sampler = sampler;
        this.prompts = List.copyOf(prompts);
        this.gradAccum = gradAccum;
        this.rollouts = new Rollout[gradAccum];
    }

    /** Where the run stands after {@code steps} optimizer steps; a resumed run starts at an update's first step. */
    public void resumeAt(int steps) {
        if (steps % config.epochs() != 0)
            throw new IllegalArgumentException("step " + steps + " is inside a PPO update of " + config.epochs() + " epochs");
        calls = (long) steps * gradAccum;
    }

    public DecoderForSequenceClassification valueModel() { return value; }

    @Override
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        value.namedParameters().forEach((k, p) -> out.put(VALUE_PREFIX + k, p));
        return out;
    }

    @Override
    public Tensor loss(CausalLm model, Batches.Batch batch) {
        long call = calls++;
        int k = (int) (call % gradAccum);
        long step = call / gradAccum;
        int epoch = (int) (step % config.epochs());
        if (epoch == 0) rollouts[k] = rollout(model, Prompt.of(batch, prompts), call);
        Rollout ro = rollouts[k];
        if (ro == null) throw new IllegalStateException("no rollout for PPO epoch " + epoch);
        CompletionRows rows = ro.rows();
        boolean was = model.module().isTraining();
        model.module().train(false);   // dropout off (TRL disables it); gradients still flow
        value.train(false);
        PpoLoss.Result r;
        try {
            Tensor logps = rows.logProbs(model, sampler.temperature());
            Tensor values = F.reshape(value.forwardAllPositions(rows.ids(), rows.rows(), rows.seq()), rows.rows(), rows.seq());
            r = PpoLoss.compute(config.loss(), logps, values, ro.logprobs(), ro.values(), ro.returns(), ro.advantages(),
                    ro.mask(), ro.maskP1(), ro.window());
        } finally {
            model.module().train(was);
        }
        means.addAll(ro.metrics());
        means.addAll(r.metrics());
        means.add("ppo_epoch", epoch);
        means.endMicroBatch();
        return r.loss();
    }

    private Rollout rollout(CausalLm model, List<Prompt> picked, long call) {
        List<int[]> ids = new ArrayList<>(picked.size());
        for (Prompt p : picked) ids.add(p.ids());
        List<Completion> completions = sampler.sample(model, ids, call);
        int n = picked.size(), c = sampler.maxNewTokens(), longest = 0;
        for (int[] p : ids) longest = Math.max(longest, p.length);
        int[] responses = new int[n * c];
        java.util.Arrays.fill(responses, -1);
        List<int[]> padded = new ArrayList<>(n);
        boolean[] eos = new boolean[n];
        int eosTokens = 0;
        for (int r = 0; r < n; r++) {
            int[] t = completions.get(r).tokens();
            System.arraycopy(t, 0, responses, r * c, t.length);
            padded.add(java.util.Arrays.copyOf(t, c));   // padding id 0 after the response
            eos[r] = completions.get(r).finishReason() == FinishReason.STOP;
            if (eos[r]) eosTokens++;
        }
        CompletionRows rows = CompletionRows.of(ids, padded, longest + c, 0);
        float temperature = sampler.temperature();
        float[] logprobs, values;
        boolean was = model.module().isTraining();
        model.module().train(false);
        value.train(false);
        try (NoGrad g = NoGrad.enter()) {
            logprobs = gather(rows, rows.logProbs(model, temperature).toArray(), c);
            values = gather(rows, value.forwardAllPositions(rows.ids(), rows.rows(), rows.seq()).toArray(), c);
        } finally {
            model.module().train(was);
        }
        float[] ref = gather(rows, reference.logProbs(rows, temperature), c);
        float[] scores = scorer.scores(picked, completions);
        if (config.missingEosPenalty() != null) scores = PpoRollout.penalizeMissingEos(scores, eos, config.missingEosPenalty());
        int[] seqLen = PpoRollout.sequenceLengths(responses, n, c, sampler.eos(), -1);
        PpoRollout.Result ro = PpoRollout.compute(config.rollout(), logprobs, ref, values, scores, seqLen, n, c);

        double kl = 0, nonScore = 0, score = 0;
        for (int i = 0; i < n * c; i++) { kl += ro.kl()[i]; nonScore += ro.nonScoreReward()[i]; }
        for (float s : scores) score += s;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("objective/kl", kl / n);
        m.put("objective/non_score_reward", nonScore / n);
        m.put("objective/rlhf_reward", nonScore / n + score / n);
        m.put("objective/scores", score / n);
        m.put("val/num_eos_tokens", (double) eosTokens);
        return new Rollout(rows, scatter(rows, ro.logprobs(), c), scatter(rows, ro.values(), c),
                scatter(rows, ro.returns(), c), scatter(rows, ro.advantages(), c), scatter(rows, ro.mask(), c),
                scatter(rows, ro.maskP1(), c), n * c, m);
    }

    /** [rows * seq] (full layout) to [rows, c] (response layout). */
    static float[] gather(CompletionRows rows, float[] full, int c) {
        float[] out = new float[rows.rows() * c];
        for (int r = 0; r < rows.rows(); r++) for (int j = 0; j < c; j++) out[r * c + j] = full[rows.at(r, j)];
        return out;
    }

    /** [rows, c] to the full layout (0 elsewhere). */
    static float[] scatter(CompletionRows rows, float[] x, int c) {
        float[] out = new float[rows.rows() * rows.seq()];
        for (int r = 0; r < rows.rows(); r++) for (int j = 0; j < c; j++) out[rows.at(r, j)] = x[r * c + j];
        return out;
    }

    @Override
    public Map<String, Object> stepMetrics() { return means.drain(); }
}
