package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.rl.CompletionSampler;
import cortado.train.rl.GroupAdvantages;
import cortado.train.rl.GrpoLoss;
import cortado.train.rl.GrpoObjective;
import cortado.train.rl.HeldOutReward;
import cortado.train.rl.Prompt;
import cortado.train.rl.ReferencePolicy;
import cortado.train.rl.ToyReward;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado grpo}: group relative policy optimization of a causal LM on prompts with a built-in reward, as TRL
 * 1.13's GRPOTrainer ({@link GrpoObjective}), through the fine-tuning methods and run ({@link FinetuneSetup}).
 */
public final class GrpoCommand implements Command {
    /** TRL's GRPOConfig defaults: learning_rate 1e-6, num_generations 8, temperature 1, beta 0, loss_type dapo. */
    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("100", "1", "1e-6", "constant", "0",
            "100", "prompts (each sampled --num-generations times)",
            "the adapter initialization, dropout, the prompt order and the sampling");
    static final String[] LOSSES = {"dapo", "grpo", "bnpo", "dr_grpo"};

    @Override public String name() { return "grpo"; }

    @Override public String summary() { return "GRPO on prompts with a built-in reward (length, contains, regex), as TRL's GRPOTrainer"; }

    static Args args() {
        Args a = new Args("grpo", """
                Group relative policy optimization (Shao et al. 2024) of a causal language model (a Hugging Face
                checkpoint directory) on {"prompt"} JSONL, as TRL 1.13's GRPOTrainer with num_iterations 1: each step
                samples --num-generations completions of each prompt from the policy (temperature --temperature, top-k
                0, top-p 1, until the end-of-text token or --max-new-tokens), scores them with --reward, and takes
                advantage = (reward - group mean) / (group std + 1e-4) (--scale-rewards). The loss is the per-token
                clipped ratio -min(r A, clip(r, 1 - epsilon, 1 + epsilon-high) A), plus beta times the k3 KL to the
                reference (times r, TRL's use_bias_correction_kl) when --beta > 0, reduced by --loss:
                  dapo     sum over tokens / tokens in the batch          (TRL's default)
                  grpo     mean per completion, then over completions
                  bnpo     mean over the batch's tokens
                  dr_grpo  sum over tokens / (completions x --max-new-tokens)
                Rewards (of the completion's text, without the end-of-text token):
                  length:N        1 - |characters - N| / N
                  contains:WORD   1 if WORD occurs in it, else 0
                  regex:PATTERN   1 if the Java regular expression is found in it, else 0
                Methods:
                """ + FinetuneMethods.help() + """
                Writes OUT/metrics.jsonl (loss, reward, reward_std, frac_reward_zero_std, completions/mean_length,
                completions/clipped_ratio, clip_ratio/*, and kl when beta > 0, per step), OUT/loss.png,
                OUT/checkpoint (for --resume) and the adapter in OUT (with full, the model in OUT/checkpoint); with
                --val-prompts the reward's held-out mean before and after in OUT/heldout_reward.json. tokens_per_s in
                metrics.jsonl counts prompts.""")
                .required("model", "DIR", "the policy: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .required("reward", "KIND", "the reward: " + ToyReward.KINDS + " (see above)");
        return RlSetup.declare(TrainingOptions.declare(FinetuneSetup.declare(a), DEFAULTS))
                .option("num-generations", "G", "completions per prompt (the group)", "8")
                .option("max-new-tokens", "N", "tokens per completion at most (TRL's max_completion_length); default:"
                        + " TRL's 256, or what the model's positions leave after the longest prompt", null)
                .option("temperature", "T", "the sampling temperature (the log-probs are taken at it too)", "1.0")
                .option("loss", String.join("|", LOSSES), "how token losses reduce (see above)", "dapo")
                .option("beta", "B", "the KL coefficient (0: no reference is computed)", "0.0")
                .option("epsilon", "E", "the clip range's lower side", "0.2")
                .option("epsilon-high", "E", "the clip range's upper side; default: --epsilon (DAPO uses 0.28)", null)
                .option("scale-rewards", "group|batch|none", "divide advantages by the group's std, the batch's, or"
                        + " not at all (Dr. GRPO)", "group")
                .flag("no-kl-bias-correction", "the plain k3 KL, not multiplied by the ratio (TRL's"
                        + " use_bias_correction_kl=False)");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        ToyReward reward = RlSetup.reward(a.string("reward"));
        GrpoLoss.Type type = GrpoLoss.Type.parse(a.choice("loss", LOSSES));
        GroupAdvantages.Scale scale = GroupAdvantages.Scale.parse(a.choice("scale-rewards", "group", "batch", "none"));
        int generations = a.positiveInt("num-generations");
        if (generations < 2) throw new UsageException("--num-generations must be at least 2 (a group), got " + generations);
        float temperature = (float) a.real("temperature"), beta = (float) a.nonNegativeReal("beta");
        if (!(temperature > 0)) throw new UsageException("--temperature must be > 0");
        float epsilon = (float) a.nonNegativeReal("epsilon");
        float epsilonHigh = a.has("epsilon-high") ? (float) a.nonNegativeReal("epsilon-high") : epsilon;
        Path promptsFile = Path.of(a.string("prompts"));
        List<String> check = cortado.train.rl.PromptJsonl.load(promptsFile);   // bad rows before the model loads
        if (a.has("val-prompts")) cortado.train.rl.PromptJsonl.load(Path.of(a.string("val-prompts")));
        if (!a.has("val-prompts") && a.has("val-samples")) throw new UsageException("--val-samples needs --val-prompts");

        PrintStream o = System.out;
        long seed = a.longValue("seed");
        FinetuneSetup.Prepared p = FinetuneSetup.prepare(a, seed, o);
        CausalLm model = p.model();
        Tokenizer tok = DpoCommand.tokenizer(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, p.dir());
        int maxNew = maxNewTokens(a, model, tok, check);
        List<Prompt> prompts = RlSetup.prompts(promptsFile, tok, model, maxNew);
        List<Prompt> held = RlSetup.heldOut(a, tok, model, maxNew);
        GrpoLoss.Config loss;
        try {
            loss = new GrpoLoss.Config(type, beta, epsilon, epsilonHigh, maxNew, !a.bool("no-kl-bias-correction"));
        } catch (IllegalArgumentException e) {
            throw RlSetup.usage(e);
        }
        ReferencePolicy reference = beta > 0 ? RlSetup.reference(a, p, o) : null;
        if (beta == 0 && a.has("ref-model")) throw new UsageException("--ref-model: with --beta 0 there is no KL term");
        CompletionSampler sampler = new CompletionSampler(tok, tok.endOfTextId(), temperature, maxNew, seed);
        GrpoObjective objective = new GrpoObjective(loss, generations, scale, sampler, reward, reference, prompts);
        TrainConfig cfg = TrainingOptions.config(a, 1, 0, 1, false);
        Files.createDirectories(p.out());
        Trainer trainer = new Trainer(model, cfg, Prompt.indexRows(prompts.size(), cfg.batch(), seed), null,
                p.optimizer(), objective);
        int samples = a.positiveInt("val-samples");
        HeldOutReward.Result before = held == null ? null
                : RlSetup.score(model, sampler, reward, held, samples, Math.max(8, cfg.batch() * generations));
        String what = String.format(Locale.ROOT, "%s: %d prompts x %d generations of up to %d tokens (%s, beta %s,"
                + " reward %s)", promptsFile, prompts.size(), generations, maxNew, type.id(), beta, a.string("reward"));
        FinetuneSetup.train(p, trainer, "grpo (" + p.method().name() + ") " + promptsFile, what, null,
                step -> objective.resumeAt((long) step * cfg.gradAccum()), o);
        if (held != null) {
            HeldOutReward.Result after = RlSetup.score(model, sampler, reward, held, samples,
                    Math.max(8, cfg.batch() * generations));
            RlSetup.report(before, after, held.size(), samples, trainer.completedSteps(), p.out(), o);
        }
        return Main.OK;
    }

    /** --max-new-tokens, else TRL's 256 capped by what the window leaves after the longest prompt. */
    static int maxNewTokens(Args a, CausalLm model, Tokenizer tok, List<String> texts) throws UsageException {
        if (a.has("max-new-tokens")) return a.positiveInt("max-new-tokens");
        int longest = 0;
        for (String t : texts) longest = Math.max(longest, tok.encode(t).length);
        int room = model.config().maxPositions() - longest;
        if (room < 1) throw new CliException("the longest prompt (" + longest + " tokens) leaves no room in the model's "
                + model.config().maxPositions() + " positions");
        return Math.min(256, room);
    }
}
