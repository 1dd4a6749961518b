package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.DecoderLm;
import cortado.tensor.Tensor;
import cortado.train.align.SequenceLogProbs;
import cortado.train.rl.GroupAdvantages;
import cortado.train.rl.GrpoLoss;
import cortado.train.rl.PpoLoss;
import cortado.train.rl.PpoRollout;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GRPO and PPO against the reference code (tools/golden/train/make_rl_golden.py): TRL 1.13's GRPOTrainer (its
 * advantage lines and {@code _compute_loss}) on one fixed group, and TRL's last PPOTrainer (trl/experimental/ppo at
 * d705ac4d, the inline rollout math and PPO micro-batch of its {@code train()}) on fixed arrays and on one rollout
 * through the tiny golden GPT-2 as policy and value model.
 *
 * <p>Tolerance: losses, metrics, advantages and returns within 1e-5 relative (+1e-5 absolute): float32 on both sides,
 * sums of a few dozen terms of magnitude ~1. Gradients by {@link Golden#compare} (per element) and their largest
 * difference within 1e-5 of the largest entry.
 */
class RlParityTest {
    static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"group", "batch", "none"})
    void groupAdvantagesMatchTrl(String scale) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("rl_golden.safetensors"))) {
            float[] rewards = f.toFloatTensor("grpo.rewards").toArray();
            float[] got = GroupAdvantages.compute(rewards, rewards.length, GroupAdvantages.Scale.parse(scale));
            closeAll("advantages " + scale, got, f.toFloatTensor("grpo.advantages." + scale).toArray());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dapo", "grpo", "bnpo", "dr_grpo", "dapo_high", "grpo_plain_kl"})
    void grpoLossMetricsAndGradientsMatchTrl(String name) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("rl_golden.safetensors"))) {
            Map<String, Object> cfg = Json.parseObject(f.metadata().get("grpo." + name + ".config"));
            GrpoLoss.Config config = new GrpoLoss.Config(GrpoLoss.Type.parse((String) cfg.get("loss_type")),
                    num(cfg, "beta"), num(cfg, "epsilon"), num(cfg, "epsilon_high"),
                    (int) num(cfg, "max_completion_length"), Boolean.TRUE.equals(cfg.get("use_bias_correction_kl")));
            float temperature = num(cfg, "temperature");
            int[] prompt = Golden.ints(f.toFloatTensor("grpo.prompt_ids"));
            int[] completion = Golden.ints(f.toFloatTensor("grpo.completion_ids"));
            int[] cmask = Golden.ints(f.toFloatTensor("grpo.completion_mask"));
            int g = f.toFloatTensor("grpo.rewards").numel(), p = prompt.length / g, c = completion.length / g, t = p + c;
            int[] ids = new int[g * t], mask = new int[g * t];
            for (int r = 0; r < g; r++) {
                System.arraycopy(prompt, r * p, ids, r * t, p);
                System.arraycopy(completion, r * c, ids, r * t + p, c);
                System.arraycopy(cmask, r * c, mask, r * t + p, c);
            }
            // per-token arrays at the logits position that scores completion token j: p - 1 + j
            float[] old = scatter(f.toFloatTensor("grpo.old_per_token_logps").toArray(), g, c, t, p - 1);
            float[] ref = scatter(f.toFloatTensor("grpo.ref_per_token_logps").toArray(), g, c, t, p - 1);
            int[] labels = SequenceLogProbs.labels(ids, mask, g, t);
            float[] tokenMask = new float[g * t];
            double tokens = 0;
            for (int i = 0; i < labels.length; i++) if (labels[i] != -100) { tokenMask[i] = 1; tokens++; }
            CausalLm model = HfCheckpoint.load(Golden.path("gpt2"));
            model.module().train(false);
            Tensor logps = SequenceLogProbs.perToken(F.scale(model.forward(ids, g, t), 1f / temperature), labels);
            float[] adv = f.toFloatTensor("grpo.advantages.group").toArray();
            GrpoLoss.Result r = GrpoLoss.compute(config, logps, old, ref, adv, tokenMask, tokens);
            Autograd.backward(r.loss());

            double want = f.toFloatTensor("grpo." + name + ".loss").item();
            System.out.printf("grpo %s parity: loss cortado %.8f trl %.8f%n", name, r.loss().item(), want);
            assertThat((double) r.loss().item()).as(name + " loss").isCloseTo(want, within(TOL * Math.abs(want) + TOL));
            checkMetrics(name, r.metrics(), Json.parseObject(f.metadata().get("grpo." + name + ".metrics")));
            Map<String, Parameter> params = model.module().namedParameters();
            double wte = Golden.compare(name + " d/d wte", params.get("transformer.wte.weight").value().grad(),
                    f.toFloatTensor("grpo." + name + ".grad_wte"));
            double attn = Golden.compare(name + " d/d h.0.attn", params.get("transformer.h.0.attn.c_attn.weight").value().grad(),
                    f.toFloatTensor("grpo." + name + ".grad_h0_attn"));
            System.out.printf("grpo %s parity: gradients max|d|/max|ref| wte %.2e, h.0.attn %.2e%n", name, wte, attn);
            assertThat(Math.max(wte, attn)).as(name + " gradients").isLessThanOrEqualTo(TOL);
        }
    }

    /** Steps 4-6 of TRL's PPO train(): masks, KL, rewards with the score, GAE, returns, whitened advantages. */
    @ParameterizedTest
    @ValueSource(strings = {"k1", "k3"})
    void ppoRolloutMathMatchesTrl(String name) throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("rl_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            Map<String, Object> cfg = Json.parseObject(meta.get("ppo.math." + name + ".config"));
            Tensor responses = f.toFloatTensor("ppo.math.responses");
            int rows = responses.size(0), length = responses.size(1);
            int eos = Integer.parseInt(meta.get("ppo.eos")), pad = Integer.parseInt(meta.get("ppo.pad"));
            int[] seqLen = PpoRollout.sequenceLengths(Golden.ints(responses), rows, length, eos, pad);
            assertThat(seqLen).isEqualTo(Golden.ints(f.toFloatTensor("ppo.math.sequence_lengths")));
            float[] scores = f.toFloatTensor("ppo.math.scores").toArray();
            if (cfg.get("missing_eos_penalty") instanceof Number pen)
                scores = PpoRollout.penalizeMissingEos(scores, containsEos(Golden.ints(f.toFloatTensor("ppo.math.postprocessed")),
                        rows, length, eos), pen.floatValue());
            closeAll(name + " scores", scores, f.toFloatTensor("ppo.math." + name + ".scores").toArray());
            PpoRollout.Result r = PpoRollout.compute(rolloutConfig(cfg), f.toFloatTensor("ppo.math.logprobs").toArray(),
                    f.toFloatTensor("ppo.math.ref_logprobs").toArray(), f.toFloatTensor("ppo.math.values").toArray(),
                    scores, seqLen, rows, length);
            String at = "ppo.math." + name + ".";
            closeAll(name + " kl", r.kl(), f.toFloatTensor(at + "kl").toArray());
            closeAll(name + " non_score_reward", r.nonScoreReward(), f.toFloatTensor(at + "non_score_reward").toArray());
            closeAll(name + " rewards", r.rewards(), f.toFloatTensor(at + "rewards").toArray());
            closeAll(name + " values", r.values(), f.toFloatTensor(at + "values").toArray());
            closeAll(name + " logprobs", r.logprobs(), f.toFloatTensor(at + "logprobs").toArray());
            closeAll(name + " returns", r.returns(), f.toFloatTensor(at + "returns").toArray());
            closeAll(name + " advantages", r.advantages(), f.toFloatTensor(at + "advantages").toArray());
            int[] pm = Golden.ints(f.toFloatTensor(at + "padding_mask")), pm1 = Golden.ints(f.toFloatTensor(at + "padding_mask_p1"));
            for (int i = 0; i < pm.length; i++) {
                assertThat(r.mask()[i]).as(name + " mask " + i).isEqualTo(1f - pm[i]);
                assertThat(r.maskP1()[i]).as(name + " mask_p1 " + i).isEqualTo(1f - pm1[i]);
            }
        }
    }

    /** One PPO micro-batch through the policy and the value model: policy loss, value loss, metrics, gradients. */
    @Test
    void ppoLossAndGradientsMatchTrl() throws Exception {
        try (SafetensorsFile f = Safetensors.read(Golden.path("rl_golden.safetensors"))) {
            Map<String, String> meta = f.metadata();
            Map<String, Object> cfg = Json.parseObject(meta.get("ppo.loss.config"));
            Tensor qr = f.toFloatTensor("ppo.loss.query_responses");
            int rows = qr.size(0), t = qr.size(1), p = Integer.parseInt(meta.get("ppo.loss.context_length")), c = t - p;
            int eos = Integer.parseInt(meta.get("ppo.eos")), pad = Integer.parseInt(meta.get("ppo.pad"));
            int[] ids = Golden.ints(qr), responses = new int[rows * c];
            for (int r = 0; r < rows; r++) System.arraycopy(ids, r * t + p, responses, r * c, c);
            int[] seqLen = PpoRollout.sequenceLengths(responses, rows, c, eos, pad);
            float[] scores = PpoRollout.penalizeMissingEos(f.toFloatTensor("ppo.loss.scores").toArray(),
                    containsEos(responses, rows, c, eos), ((Number) cfg.get("missing_eos_penalty")).floatValue());
            PpoRollout.Result roll = PpoRollout.compute(rolloutConfig(cfg), f.toFloatTensor("ppo.loss.old_logprobs").toArray(),
                    f.toFloatTensor("ppo.loss.ref_logprobs").toArray(), f.toFloatTensor("ppo.loss.old_values").toArray(),
                    scores, seqLen, rows, c);
            closeAll("advantages", roll.advantages(), f.toFloatTensor("ppo.loss.advantages").toArray());
            closeAll("returns", roll.returns(), f.toFloatTensor("ppo.loss.returns").toArray());

            CausalLm policy = HfCheckpoint.load(Golden.path("gpt2"));
            policy.module().train(false);
            DecoderForSequenceClassification value = new DecoderForSequenceClassification(
                    (DecoderLm) HfCheckpoint.load(Golden.path("gpt2")), 1, pad);
            value.namedParameters().get("score.weight").set(f.toFloatTensor("ppo.loss.score.weight"));
            value.train(false);
            float temperature = num(cfg, "temperature");
            int[] mask = new int[rows * t];
            for (int r = 0; r < rows; r++) for (int j = 0; j < c; j++) mask[r * t + p + j] = 1;
            Tensor logps = SequenceLogProbs.perToken(F.scale(policy.forward(ids, rows, t), 1f / (temperature + 1e-7f)),
                    SequenceLogProbs.labels(ids, mask, rows, t));
            Tensor values = F.reshape(value.forwardAllPositions(ids, rows, t), rows, t);
            PpoLoss.Config lc = new PpoLoss.Config(num(cfg, "cliprange"), num(cfg, "cliprange_value"), num(cfg, "vf_coef"));
            int at = p - 1;   // the position whose logits and value belong to response token 0
            PpoLoss.Result r = PpoLoss.compute(lc, logps, values, scatter(roll.logprobs(), rows, c, t, at),
                    scatter(roll.values(), rows, c, t, at), scatter(roll.returns(), rows, c, t, at),
                    scatter(roll.advantages(), rows, c, t, at), scatter(roll.mask(), rows, c, t, at),
                    scatter(roll.maskP1(), rows, c, t, at), rows * c);
            Autograd.backward(r.loss());

            double want = f.toFloatTensor("ppo.loss.loss").item();
            System.out.printf("ppo parity: loss cortado %.8f trl %.8f%n", r.loss().item(), want);
            assertThat((double) r.loss().item()).as("ppo loss").isCloseTo(want, within(TOL * Math.abs(want) + TOL));
            checkMetrics("ppo", r.metrics(), Json.parseObject(meta.get("ppo.loss.metrics")));
            double[] rel = {
                    Golden.compare("policy d/d wte", policy.module().namedParameters().get("transformer.wte.weight").value().grad(),
                            f.toFloatTensor("ppo.loss.grad_policy_wte")),
                    Golden.compare("policy d/d h.0.attn", policy.module().namedParameters().get("transformer.h.0.attn.c_attn.weight")
                            .value().grad(), f.toFloatTensor("ppo.loss.grad_policy_h0_attn")),
                    Golden.compare("value d/d score", value.namedParameters().get("score.weight").value().grad(),
                            f.toFloatTensor("ppo.loss.grad_value_score")),
                    Golden.compare("value d/d h.0.attn", value.namedParameters().get("transformer.h.0.attn.c_attn.weight")
                            .value().grad(), f.toFloatTensor("ppo.loss.grad_value_h0_attn"))};
            System.out.printf("ppo parity: gradients max|d|/max|ref| policy wte %.2e, h.0.attn %.2e; value score %.2e,"
                    + " h.0.attn %.2e%n", rel[0], rel[1], rel[2], rel[3]);
            for (double x : rel) assertThat(x).as("ppo gradients").isLessThanOrEqualTo(TOL);
        }
    }

    static PpoRollout.Config rolloutConfig(Map<String, Object> cfg) {
        return new PpoRollout.Config(num(cfg, "kl_coef"), PpoRollout.KlEstimator.parse((String) cfg.get("kl_estimator")),
                num(cfg, "gamma"), num(cfg, "lam"), Boolean.TRUE.equals(cfg.get("whiten_rewards")));
    }

    static boolean[] containsEos(int[] responses, int rows, int length, int eos) {
        boolean[] out = new boolean[rows];
        for (int i = 0; i < responses.length; i++) if (responses[i] == eos) out[i / length] = true;
        return out;
    }

    /** [rows, c] values into a [rows, t] layout at columns at..at+c-1 (0 elsewhere). */
    static float[] scatter(float[] x, int rows, int c, int t, int at) {
        float[] out = new float[rows * t];
        for (int r = 0; r < rows; r++) System.arraycopy(x, r * c, out, r * t + at, c);
        return out;
    }

    static void checkMetrics(String what, Map<String, Double> got, Map<String, Object> expected) {
        assertThat(got.keySet()).as(what + " metrics").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (var e : got.entrySet()) {
            double want = ((Number) expected.get(e.getKey())).doubleValue();
            assertThat(e.getValue()).as(what + " " + e.getKey()).isCloseTo(want, within(TOL * Math.abs(want) + TOL));
        }
    }

    static void closeAll(String what, float[] got, float[] want) {
        assertThat(got.length).as(what + " length").isEqualTo(want.length);
        for (int i = 0; i < got.length; i++)
            assertThat((double) got[i]).as(what + " [" + i + "]").isCloseTo(want[i], within(TOL * Math.abs(want[i]) + TOL));
    }

    static float num(Map<String, Object> cfg, String key) { return ((Number) cfg.get(key)).floatValue(); }
}
