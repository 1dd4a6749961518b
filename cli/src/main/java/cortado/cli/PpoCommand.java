package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.SequenceClassificationCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.DecoderLm;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.rl.CompletionSampler;
import cortado.train.rl.HeldOutReward;
import cortado.train.rl.PpoLoss;
import cortado.train.rl.PpoObjective;
import cortado.train.rl.PpoRollout;
import cortado.train.rl.Prompt;
import cortado.train.rl.RolloutScorer;
import cortado.train.rl.ToyReward;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado ppo}: PPO for RLHF of a causal LM on prompts, scored by a reward model or a built-in reward, as TRL's
 * last PPOTrainer ({@link PpoObjective}), through the fine-tuning methods and run ({@link FinetuneSetup}).
 */
public final class PpoCommand implements Command {
    /** TRL's PPOConfig defaults (learning_rate is TrainingArguments' 5e-5). */
    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("100", "4", "5e-5", "constant", "0",
            "25", "prompts (one response each)", "the adapter and value-head initialization, the prompt order and the sampling");
    static final String VALUE_DIR = "value_model";

    @Override public String name() { return "ppo"; }

    @Override public String summary() { return "PPO (RLHF) on prompts with a reward model or a built-in reward, as TRL's last PPOTrainer"; }

    static Args args() {
        Args a = new Args("ppo", """
                Proximal policy optimization for RLHF (Schulman et al. 2017; Ouyang et al. 2022) of a causal language
                model (a Hugging Face checkpoint directory) on {"prompt"} JSONL, as TRL's last PPOTrainer (TRL 1.13 has
                none; trl/experimental/ppo at d705ac4d). Each update (--steps counts them) samples one response per
                prompt (temperature --temperature, until the end-of-text token or --response-length), scores it with
                --reward-model (a scalar head, e.g. from cortado reward) or --reward, less --missing-eos-penalty when it
                has no end-of-text token, and puts the score at its last token and -kl-coef x KL(policy, reference) at
                every token (--kl-estimator k1: log pi - log ref; k3: (r - 1) - log r). A value model (--value-model,
                else the reward model, else the policy's base with a new score head) gives V; advantages are GAE
                (--gamma, --lam), whitened; returns = advantages + V. Then --ppo-epochs optimizer steps minimize
                  max(-A r, -A clip(r, 1 - cliprange, 1 + cliprange))
                  + vf-coef x 0.5 max((V - R)^2, (clip(V, V_old - cliprange-value, V_old + cliprange-value) - R)^2)
                training the policy and the value model together, dropout off (as TRL). With --grad-accum K each of
                the K micro-batches is its own rollout, whitened on its own (TRL whitens the K together).
                Rewards (--reward, of the response's text without the end-of-text token):
                  length:N        1 - |characters - N| / N
                  contains:WORD   1 if WORD occurs in it, else 0
                  regex:PATTERN   1 if the Java regular expression is found in it, else 0
                Methods (of the policy; the value model trains fully):
                """ + FinetuneMethods.help() + """
                Writes OUT/metrics.jsonl (per optimizer step: loss, loss/policy, loss/value, policy/clipfrac,
                val/clipfrac, policy/approxkl, val/ratio, ppo_epoch, and the update's objective/kl,
                objective/non_score_reward, objective/rlhf_reward, objective/scores, val/num_eos_tokens), OUT/loss.png,
                OUT/checkpoint (with the value model in OUT/checkpoint/value_model; for --resume, which continues
                at the update after the last checkpoint) and the adapter in OUT (with full, the model in
                OUT/checkpoint); with --val-prompts and --reward the reward's held-out mean before and after in
                OUT/heldout_reward.json. tokens_per_s in metrics.jsonl counts prompts.""")
                .required("model", "DIR", "the policy: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .option("reward-model", "DIR", "a reward model (a ...ForSequenceClassification with one label)", null)
                .option("reward", "KIND", "a built-in reward instead: " + ToyReward.KINDS + " (see above)", null)
                .option("value-model", "DIR", "the value model to start from (one label); default: see above", null);
        Args t = TrainingOptions.declare(FinetuneSetup.declare(a), DEFAULTS);
        return RlSetup.declare(t)
                .option("response-length", "N", "tokens per response at most", "53")
                .option("temperature", "T", "the sampling temperature (log-probs are taken at it too)", "0.7")
                .option("kl-coef", "C", "the KL penalty's coefficient", "0.05")
                .option("kl-estimator", "k1|k3", "the per-token KL estimator", "k1")
                .option("cliprange", "E", "the policy ratio's clip range", "0.2")
                .option("cliprange-value", "E", "the value's clip range around the rollout's values", "0.2")
                .option("vf-coef", "C", "the value loss's weight", "0.1")
                .option("gamma", "G", "the discount", "1.0")
                .option("lam", "L", "GAE's lambda", "0.95")
                .option("ppo-epochs", "N", "optimizer steps per rollout (num_ppo_epochs)", "4")
                .option("missing-eos-penalty", "P", "subtracted from the score of a response without the end-of-text"
                        + " token; default: none", null)
                .flag("whiten-rewards", "whiten the per-token rewards before GAE (TRL's whiten_rewards)");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        if (a.has("reward-model") == a.has("reward")) throw new UsageException("give one of --reward-model DIR and --reward KIND");
        ToyReward toy = a.has("reward") ? RlSetup.reward(a.string("reward")) : null;
        if (toy == null && a.has("val-prompts")) throw new UsageException("--val-prompts scores with --reward (a built-in reward)");
        int epochs = a.positiveInt("ppo-epochs"), responseLength = a.positiveInt("response-length");
        float temperature = (float) a.real("temperature");
        if (!(temperature > 0)) throw new UsageException("--temperature must be > 0");
        PpoObjective.Config config;
        try {
            config = new PpoObjective.Config(
                    new PpoRollout.Config((float) a.nonNegativeReal("kl-coef"),
                            PpoRollout.KlEstimator.parse(a.choice("kl-estimator", "k1", "k3")), (float) a.nonNegativeReal("gamma"),
                            (float) a.nonNegativeReal("lam"), a.bool("whiten-rewards")),
                    new PpoLoss.Config((float) a.nonNegativeReal("cliprange"), (float) a.nonNegativeReal("cliprange-value"),
                            (float) a.nonNegativeReal("vf-coef")),
                    epochs, a.has("missing-eos-penalty") ? (float) a.real("missing-eos-penalty") : null);
        } catch (IllegalArgumentException e) {
            throw RlSetup.usage(e);
        }
        Path promptsFile = Path.of(a.string("prompts"));
        cortado.train.rl.PromptJsonl.load(promptsFile);   // bad rows before the model loads
        if (a.has("val-prompts")) cortado.train.rl.PromptJsonl.load(Path.of(a.string("val-prompts")));

        PrintStream o = System.out;
        long seed = a.longValue("seed");
        FinetuneSetup.Prepared p = FinetuneSetup.prepare(a, seed, o);
        CausalLm model = p.model();
        Tokenizer tok = DpoCommand.tokenizer(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, p.dir());
        List<Prompt> prompts = RlSetup.prompts(promptsFile, tok, model, responseLength);
        List<Prompt> held = RlSetup.heldOut(a, tok, model, responseLength);
        int vocab = model.config().vocabSize();
        RolloutScorer scorer;
        if (toy != null) {
            scorer = RolloutScorer.of(toy);
        } else {
            DecoderForSequenceClassification rm = classifier(a.string("reward-model"), "--reward-model", vocab);
            o.println("reward model: " + a.string("reward-model") + " (frozen)");
            scorer = RolloutScorer.rewardModel(rm);
        }
        DecoderForSequenceClassification value = valueModel(a, p, tok, seed, vocab, o);
        CompletionSampler sampler = new CompletionSampler(tok, tok.endOfTextId(), temperature, responseLength, seed);
        TrainConfig flags = TrainingOptions.config(a, 1, 0, 1, false);
        // --steps and --save-every count PPO updates; the trainer counts optimizer steps, epochs per update
        TrainConfig cfg = new TrainConfig(flags.steps() * epochs, flags.batch(), 1, flags.lr(), flags.warmup(),
                flags.schedule(), flags.weightDecay(), flags.gradClip(), flags.gradAccum(), 0, 1, seed, false,
                flags.saveEvery() * epochs, flags.checkpointActivations());
        PpoObjective objective = new PpoObjective(config, value, RlSetup.reference(a, p, o), scorer, sampler, prompts,
                cfg.gradAccum());
        Files.createDirectories(p.out());
        Trainer trainer = new Trainer(model, cfg, Prompt.indexRows(prompts.size(), cfg.batch(), seed), null,
                p.optimizer(), objective);
        int samples = a.positiveInt("val-samples"), evalBatch = Math.max(8, cfg.batch());
        HeldOutReward.Result before = held == null ? null : RlSetup.score(model, sampler, toy, held, samples, evalBatch);
        String what = String.format(Locale.ROOT, "%s: %d prompts, responses of up to %d tokens, %d updates x %d PPO"
                + " epochs (kl %s %s, reward %s)", promptsFile, prompts.size(), responseLength, flags.steps(), epochs,
                a.string("kl-estimator"), config.rollout().klCoef(),
                toy != null ? a.string("reward") : a.string("reward-model"));
        FinetuneSetup.train(p, trainer, "ppo (" + p.method().name() + ") " + promptsFile, what, d -> {
            try {
                SequenceClassificationCheckpoint.save(value, d.resolve(VALUE_DIR));
            } catch (RuntimeException e) {
                throw new UncheckedIOException(new java.io.IOException(d + ": cannot write the value model: " + e.getMessage(), e));
            }
        }, objective::resumeAt, o);
        if (held != null)
            RlSetup.report(before, RlSetup.score(model, sampler, toy, held, samples, evalBatch), held.size(), samples,
                    trainer.completedSteps(), p.out(), o);
        return Main.OK;
    }

    /** The value model: resumed from the checkpoint, --value-model, the reward model, or the base with a new head. */
    private static DecoderForSequenceClassification valueModel(Args a, FinetuneSetup.Prepared p, Tokenizer tok, long seed,
                                                               int vocab, PrintStream o) {
        if (p.checkpoint() != null) {
            Path dir = p.checkpoint().resolve(VALUE_DIR);
            if (!Files.isDirectory(dir)) throw new CliException("--resume: " + p.checkpoint() + " holds no " + VALUE_DIR + "/");
            o.println("value model: " + dir + " (resumed)");
            return classifier(dir.toString(), "--resume", vocab);
        }
        String from = a.has("value-model") ? a.string("value-model") : a.has("reward-model") ? a.string("reward-model") : null;
        if (from != null) {
            o.println("value model: " + from);
            return classifier(from, a.has("value-model") ? "--value-model" : "--reward-model", vocab);
        }
        if (!(HfCheckpoint.load(p.dir()) instanceof DecoderLm lm)) throw new CliException(p.dir() + ": not a decoder model");
        DecoderForSequenceClassification v = new DecoderForSequenceClassification(lm, 1, tok.endOfTextId());
        v.initScore(seed);
        o.println("value model: " + p.dir() + " with a new score head");
        return v;
    }

    private static DecoderForSequenceClassification classifier(String given, String flag, int vocab) {
        Path dir = PretrainCommand.modelDir(Path.of(given));
        if (!Files.isDirectory(dir)) throw new CliException(flag + ": " + given + ": no such model directory");
        if (!SequenceClassificationCheckpoint.isSequenceClassification(dir))
            throw new CliException(flag + ": " + dir + " is not a ...ForSequenceClassification checkpoint");
        DecoderForSequenceClassification m = SequenceClassificationCheckpoint.load(dir);
        if (m.numLabels() != 1) throw new CliException(flag + ": " + dir + " has " + m.numLabels() + " labels, not one score");
        if (m.decoder().config().vocabSize() != vocab)
            throw new CliException(flag + ": " + dir + ": its vocabulary (" + m.decoder().config().vocabSize()
                    + ") is not the policy's (" + vocab + ")");
        return m;
    }
}
