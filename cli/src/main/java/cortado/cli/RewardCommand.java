package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.SequenceClassificationCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.DecoderLm;
import cortado.train.Checkpoint;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.align.PreferenceBatch;
import cortado.train.align.PreferenceJsonl;
import cortado.train.align.PreferenceLoss;
import cortado.train.align.PreferenceObjective;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cortado reward}: trains a reward model (a decoder with a scalar {@code score} head,
 * {@link DecoderForSequenceClassification}) on chosen/rejected JSONL with TRL 1.13's RewardTrainer loss, full
 * fine-tuning through the shared loop ({@link Trainer} with a {@link PreferenceObjective}).
 */
public final class RewardCommand implements Command {
    /** TRL's RewardConfig: learning_rate 1e-4. */
    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("100", "4", "1e-4", "constant", "0",
            "100", "pairs", "the score head's initialization and the random pair order");

    @Override public String name() { return "reward"; }

    @Override public String summary() { return "train a reward model (scalar head) on chosen/rejected JSONL, as TRL's RewardTrainer"; }

    static Args args() {
        Args a = new Args("reward", """
                Trains a reward model on JSONL pairs in TRL's text layouts ({"prompt", "chosen", "rejected"}, or
                {"chosen", "rejected"} with the prompt their longest common prefix): a decoder (a Hugging Face causal
                checkpoint, or a reward model this command wrote) with a scalar head score.weight, read at the last
                non-pad token of prompt + completion + EOS (pad = EOS, TRL's default, so at the last completion
                token), as transformers' GPT2ForSequenceClassification / LlamaForSequenceClassification. The loss is
                TRL 1.13's: mean -log sigma(r_chosen - r_rejected), plus --center-rewards C * mean((r_c + r_r)^2).
                Full fine-tuning of every weight. Writes OUT/metrics.jsonl (loss and TRL's min_reward, mean_reward,
                max_reward, accuracy, margin per step), OUT/loss.png and OUT/checkpoint: the reward model in
                transformers' layout (AutoModelForSequenceClassification reads it) plus the state for --resume; with
                --val-data the same metrics on held-out pairs at the end in OUT/heldout_metrics.json.""")
                .required("model", "DIR", "a causal checkpoint directory, or a reward model's")
                .required("data", "FILE.jsonl", "the preference pairs")
                .required("out", "DIR", "output directory");
        OptimizerOptions.declare(a);
        return TrainingOptions.declare(a, DEFAULTS)
                .flag("resume", "continue from OUT/checkpoint (model, optimizer, step, data position)")
                .option("center-rewards", "C", "TRL's center_rewards_coefficient; 0: off", "0")
                .option("tokenizer", "PATH", "the tokenizer; default: the model directory's own", null)
                .option("max-length", "N", "tokens per prompt+completion (longer ones cut at the end); default: TRL's"
                        + " 1024, or the model's positions when fewer", null)
                .option("val-data", "FILE.jsonl", "held-out pairs, scored after training", null);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        float center = (float) a.nonNegativeReal("center-rewards");
        Integer maxLengthFlag = a.has("max-length") ? a.positiveInt("max-length") : null;
        Path dataFile = Path.of(a.string("data")), out = Path.of(a.string("out"));
        List<PreferenceJsonl.Pair> pairs = PreferenceJsonl.load(dataFile);
        List<PreferenceJsonl.Pair> held = a.has("val-data") ? PreferenceJsonl.load(Path.of(a.string("val-data"))) : null;
        long seed = a.longValue("seed");
        var optimizer = OptimizerOptions.factory(a, (float) a.nonNegativeReal("weight-decay"), out);
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
        if (!Files.isDirectory(dir)) throw new CliException(a.string("model") + ": no such model directory");
        Path ckpt = null;
        if (a.bool("resume")) {
            ckpt = Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR));
            if (ckpt == null) throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
        }
        PrintStream o = System.out;
        Path tokenizerPath = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        DecoderForSequenceClassification rm;
        Tokenizer tok;
        if (ckpt != null || SequenceClassificationCheckpoint.isSequenceClassification(dir)) {
            rm = SequenceClassificationCheckpoint.load(ckpt != null ? ckpt : dir);
            tok = DpoCommand.tokenizer(rm.decoder(), tokenizerPath, dir);
            if (rm.numLabels() != 1) throw new CliException(dir + ": a reward model has one label, this has " + rm.numLabels());
            if (rm.padTokenId() == null || rm.padTokenId() != tok.endOfTextId())
                throw new CliException(dir + ": pad_token_id " + rm.padTokenId() + " is not the tokenizer's end-of-text id "
                        + tok.endOfTextId() + ", which pads the rows here");
        } else {
            if (!(HfCheckpoint.load(dir) instanceof DecoderLm lm))
                throw new CliException(dir + ": not a decoder model");
            tok = DpoCommand.tokenizer(lm, tokenizerPath, dir);
            rm = new DecoderForSequenceClassification(lm, 1, tok.endOfTextId());
            rm.initScore(seed);
        }
        CausalLm decoder = rm.decoder();
        int positions = decoder.config().maxPositions();
        int maxLength = maxLengthFlag != null ? maxLengthFlag : Math.min(SftCommand.TRL_MAX_LENGTH, positions);
        if (maxLength > positions)
            throw new UsageException("--max-length " + maxLength + " exceeds the model's " + positions + " positions");
        int eos = tok.endOfTextId();
        PreferenceBatch all = DpoCommand.encode(pairs, tok, eos, maxLength, dataFile);
        DpoCommand.checkIds(all, decoder.config().vocabSize(), dataFile);

        Map<String, Parameter> head = new LinkedHashMap<>(rm.namedParameters());
        head.keySet().removeAll(decoder.module().namedParameters().keySet());   // score.weight
        PreferenceObjective objective = new PreferenceObjective(PreferenceLoss.reward(rm, center), head);
        TrainConfig cfg = TrainingOptions.config(a, 2 * all.seq(), 0, 1, false);
        Files.createDirectories(out);
        Trainer trainer = new Trainer(decoder, cfg, all.pairRows(cfg.batch(), seed), null, optimizer, objective);
        try {
            int resumedFrom = TrainingRun.resume(trainer, ckpt);
            o.printf(Locale.ROOT, "reward model: %s + score head (%s parameters) on %s: %d pairs of up to %d tokens each"
                    + " side%n", dir, TrainingRun.count(rm.parameterCount()), dataFile, all.pairs(), all.seq());
            o.printf(Locale.ROOT, "%s%d steps of %d pairs%s, lr %s (%s, warmup %d)%n",
                    resumedFrom >= 0 ? "resuming at step " + resumedFrom + " of " : "", cfg.steps(), cfg.batch(),
                    cfg.gradAccum() > 1 ? " x " + cfg.gradAccum() + " accumulated" : "", cfg.lr(), cfg.schedule(),
                    cfg.warmup());
            Path base = dir;
            TrainingRun.Result r = TrainingRun.run(trainer, out, resumedFrom, "reward " + dataFile, o,
                    (m, d) -> SequenceClassificationCheckpoint.save(rm, d), d -> {
                        try {
                            TokenizerFiles.copy(base, d);
                        } catch (IOException e) {
                            throw new UncheckedIOException(d + ": cannot copy the tokenizer files of " + base, e);
                        }
                    });
            o.printf(Locale.ROOT, "done: %d steps in %.1f s, final loss %.4f%n", r.steps(), r.seconds(), r.lastLoss());
            o.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + out.resolve(TrainingRun.PLOT_FILE)
                    + " and the reward model " + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/");
            if (held != null)
                DpoCommand.scoreHeldOut(held, Path.of(a.string("val-data")), tok, eos, maxLength, cfg.batch(), objective,
                        decoder, out, trainer.completedSteps(), o);
        } finally {
            trainer.optimizer().close();
        }
        return Main.OK;
    }
}
