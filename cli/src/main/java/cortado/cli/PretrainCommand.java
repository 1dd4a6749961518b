package cortado.cli;

import cortado.data.tokenizer.BpeTokenizer;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.data.tokenizer.WordPieceTokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.InferenceDType;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.Presets;
import cortado.train.Checkpoint;
import cortado.train.DataMix;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/** {@code cortado pretrain}: trains a causal LM on a token or text file; see {@link #args()}. */
public final class PretrainCommand implements Command {
    @Override public String name() { return "pretrain"; }

    @Override public String summary() { return "pretrain a GPT-2 or Llama model (preset or HF checkpoint) on a text or token file"; }

    static Args args() {
        return TrainingOptions.declare(OptimizerOptions.declare(new Args("pretrain", """
                Pretrains a causal language model with next-token cross-entropy and the --optimizer (AdamW by
                default). --data is a UTF-8 text file (tokenized with the model's tokenizer), a nanoGPT .bin (raw uint16 tokens) or an llm.c .bin (256 int32
                header, magic 20240520). Writes OUT/metrics.jsonl (one JSON object per step), OUT/loss.png and the
                checkpoint OUT/checkpoint (Hugging Face layout plus optimizer and trainer state for --resume).""")
                .option("model", "PRESET|DIR", "a preset (" + String.join(", ", Presets.names())
                        + "), a Hugging Face checkpoint directory, or a directory holding only a config.json (gpt2,"
                        + " llama, mistral, qwen2, qwen3), initialized randomly as its family is; required unless --resume", null)
                .option("config", "K=V,...", "change a preset's or a config-only directory's fields before it is built,"
                        + " e.g. n_layer=4,n_embd=256,n_head=4,n_positions=512 or num_key_value_heads=2; vocab_size"
                        + " otherwise follows --tokenizer", null)
                .required("data", "FILE|A:W,B:W", "training data: text, .jsonl, nanoGPT .bin or llm.c .bin; several"
                        + " files with weights (a.bin:0.7,b.bin:0.3) mix: each row's source is drawn by weight, each"
                        + " source holds out its own validation tail, and metrics.jsonl counts rows per source")
                .option("tokenizer", "PATH", "tokenizer for text data (tokenizer.json, a directory, *.tiktoken); default:"
                        + " the checkpoint's own, or bytes for byte-level models. A new model (preset or config.json"
                        + " only) takes its vocabulary size and end-of-text id from it", null)
                .option("seq", "T", "tokens per sequence", "128")
                .option("val-every", "N", "validation loss every N steps (and after steps 1 and last); 0 turns it off", "100")
                .option("val-data", "FILE", "validation data; default: the last 10% of --data, held out from training", null)
                .option("val-batches", "N", "batches per validation", "20")
                .option("data-order", "random|sequential", "random windows, or llm.c's sequential batches", "random")
                .option("out", "DIR", "output directory", "runs/pretrain")
                .flag("resume", "continue from OUT/checkpoint (model, optimizer, step, data position; mlm also the"
                        + " epoch and early-stopping state)")
                .flag("match-special-tokens", "text data: match special-token strings as special tokens (default: they"
                        + " are text, so a literal <|endoftext|> in the data does not end a document)")
                .option("objective", "clm|mlm", "clm: next-token prediction (GPT-2, Llama); mlm: masked-LM of a BERT"
                        + " model (--model DIR with a BERT config.json, with or without weights, and its tokenizer.json): each"
                        + " line of a text file (or JSONL text) gets [CLS]/[SEP], the stream is cut into --seq blocks"
                        + " (run_mlm's group_texts), 10% of the lines are held out (or --val-data), and training runs"
                        + " --epochs epochs (--steps is not used) with the held-out masked loss after each; writes"
                        + " OUT/checkpoint after each epoch (and every --save-every steps) and OUT/best (the epoch of"
                        + " lowest held-out loss); --resume continues exactly (each batch's masks come from the seed and"
                        + " the batch's index)", "clm")
                .option("epochs", "N", "mlm: passes over the training blocks", "3")
                .option("mlm-probability", "P", "mlm: share of tokens selected (80% [MASK], 10% random, 10% kept, as"
                        + " DataCollatorForLanguageModeling)", "0.15")
                .flag("whole-word-masking", "mlm: select whole words (WordPiece ## pieces follow their word) and mask"
                        + " every selected token with [MASK], as DataCollatorForWholeWordMask (which also joins"
                        + " punctuation touching a word to it)")
                .option("early-stopping-patience", "N", "mlm: stop after N epochs without a lower held-out loss; 0: off", "0")
                .option("init-from", "DIR", "grow the model from this smaller trained checkpoint of the same family:"
                        + " the larger shape is --model (preset or config-only directory) or the parent's config.json"
                        + " changed by --config (n_layer, n_embd, n_head, n_inner, ...); with validation on, prints the"
                        + " held-out loss before training next to the parent's", null)
                .option("grow", "preserve|depth-upscale", "with --init-from: preserve computes the parent's function"
                        + " (new blocks are identities with zero output projections; width by Net2Net copies, the"
                        + " residual width a whole multiple of the parent's, head_dim kept); depth-upscale stacks the"
                        + " parent's first and last layers (SOLAR; same width, not function-preserving)", "preserve")),
                TrainingOptions.PRETRAIN);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        String objective = a.choice("objective", "clm", "mlm");
        if (objective.equals("mlm")) return MlmPretraining.run(a, System.out);
        for (String f : List.of("epochs", "mlm-probability", "early-stopping-patience"))
            if (a.has(f)) throw new UsageException("--" + f + " is for --objective mlm");
        if (a.bool("whole-word-masking")) throw new UsageException("--whole-word-masking is for --objective mlm");
        TrainConfig cfg = config(a);
        Path out = Path.of(a.string("out"));
        var optimizer = OptimizerOptions.factory(a, cfg.weightDecay(), out);
        boolean resume = a.bool("resume");

        Path ckpt = resume ? Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR)) : null;
        if (resume && ckpt == null)
            throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
        if (resume && a.has("init-from")) throw new UsageException("--init-from starts a new run; --resume continues one");
        if (a.has("grow") && !a.has("init-from")) throw new UsageException("--grow applies with --init-from");
        if (!resume && !a.has("model") && !a.has("init-from")) throw new UsageException("missing --model PRESET|DIR (see cortado pretrain --help)");

        // The directory the model comes from (its tokenizer files may live there), or null for a preset.
        Path modelDir = ckpt;
        if (ckpt == null && a.has("model") && Files.isDirectory(Path.of(a.string("model")))) modelDir = modelDir(Path.of(a.string("model")));
        if (ckpt == null && modelDir != null && QuantizeCommand.isQuantized(modelDir))
            throw new CliException(a.string("model") + ": a quantized model's weights are frozen, and pretrain writes"
                    + " full fp32 checkpoints; run cortado dequantize first (adapters on a quantized base are QLoRA)");
        boolean fresh = ckpt == null && a.has("model") && FreshModel.isFresh(a.string("model"));
        if (a.has("config") && !fresh && !a.has("init-from"))
            throw new UsageException("--config sets the fields of a new model (a preset or a directory holding only"
                    + " config.json); " + (ckpt != null ? "--resume continues its checkpoint's model"
                    : a.string("model") + " holds trained weights"));
        Path explicitTokenizer = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        CausalLm model;
        GrownModel grown = null;
        if (a.has("init-from")) {
            grown = GrownModel.build(a, explicitTokenizer, cfg.seed());
            model = grown.child();
            if (modelDir == null || FreshModel.isConfigOnly(modelDir) && !Tokenizers.hasTokenizer(modelDir))
                modelDir = grown.parentDir();   // the parent's tokenizer
        } else if (ckpt != null) model = Checkpoint.loadModel(ckpt);
        else if (fresh) model = freshModel(a.string("model"), a.string("config"), explicitTokenizer, cfg.seed());
        else model = loadModel(a.string("model"), cfg.seed());
        checkSeq(model, cfg.seq());

        Tokenizer tok = ModelTokenizer.forModel(model, explicitTokenizer, modelDir);
        int vocab = model.config().vocabSize();
        // Token files (.bin) need no tokenizer, so tok may be null.
        Tokenizer dataTok = tok == null || a.bool("match-special-tokens") ? tok : tok.specialTokensAsText();
        List<DataSpec> specs = DataSpec.parse(a.string("data"));
        boolean mixed = DataSpec.isMix(specs);
        if (mixed && cfg.sequential())
            throw new UsageException("--data-order sequential reads one file in order; a mix (--data A:W,B:W) draws"
                    + " random windows");
        boolean holdOut = cfg.valEvery() > 0 && !a.has("val-data");
        TokenData train = null, val = null;
        DataMix mix = null;
        if (mixed) {
            List<DataMix.Source> sources = new ArrayList<>();
            for (DataSpec d : specs) {
                TokenData data = TokenData.load(d.path(), dataTok, vocab);
                TokenData[] split = holdOut ? TrainingRun.splitTail(data, 0.1, cfg.seq()) : new TokenData[] {data, null};
                sources.add(new DataMix.Source(d.path().toString(), split[0], split[1],
                        d.weight() == null ? 1.0 : d.weight()));
            }
            mix = new DataMix(sources);
        } else {
            train = TokenData.load(specs.get(0).path(), dataTok, vocab);
            if (holdOut) {
                TokenData[] split = TrainingRun.splitTail(train, 0.1, cfg.seq());
                train = split[0];
                val = split[1];
            }
        }
        if (cfg.valEvery() > 0 && a.has("val-data")) val = TokenData.load(Path.of(a.string("val-data")), dataTok, vocab);

        Trainer trainer = mix != null ? new Trainer(model, cfg, mix, val, optimizer)
                : new Trainer(model, cfg, train, val, optimizer);
        int resumedFrom = TrainingRun.resume(trainer, ckpt);
        long valTokens = val != null ? val.size() : mix != null ? mix.valTokens() : 0;
        System.out.printf(Locale.ROOT, "model %s (%s parameters), data %s: %s training tokens%s%n",
                ckpt != null ? ckpt : a.string("model"), TrainingRun.count(model.module().parameterCount()),
                a.string("data"), TrainingRun.count(mix != null ? mix.trainTokens() : train.size()),
                valTokens == 0 ? "" : ", " + TrainingRun.count(valTokens) + " validation tokens");
        if (mix != null) {
            double[] p = mix.probabilities();
            for (int i = 0; i < p.length; i++) {
                DataMix.Source s = mix.sources().get(i);
                System.out.printf(Locale.ROOT, "  %s: %.1f%% of the rows, %s training tokens%s%n", s.name(), 100 * p[i],
                        TrainingRun.count(s.train().size()), s.val() == null || val != null ? ""
                                : ", " + TrainingRun.count(s.val().size()) + " held out");
            }
        }
        if (grown != null) grown.report(val, cfg.seq(), cfg.batch(), System.out);
        PlanCommand.printRunPlan(model, true, false, cfg, System.out);
        System.out.printf(Locale.ROOT, "%s%d steps of %d x %d tokens%s, lr %s (%s, warmup %d), %d threads%s%n",
                resumedFrom >= 0 ? "resuming at step " + resumedFrom + " of " : "", cfg.steps(), cfg.batch(), cfg.seq(),
                cfg.gradAccum() > 1 ? " x " + cfg.gradAccum() + " accumulated" : "", cfg.lr(), cfg.schedule(),
                cfg.warmup(), cortado.tensor.Parallel.threads(), TrainingRun.ranks(trainer));

        // A tokenizer that is not plain bytes travels with the checkpoint, so generate and --resume find it.
        Consumer<Path> saveTokenizer = tok instanceof BpeTokenizer || tok instanceof WordPieceTokenizer || tok instanceof HfTokenizer
                ? d -> HfTokenizerJson.save(tok, d.resolve("tokenizer.json")) : null;
        TrainingRun.Result r = TrainingRun.run(trainer, out, resumedFrom, "pretrain " + a.string("data"), System.out,
                saveTokenizer);
        trainer.optimizer().close();   // a paged optimizer's spill file goes
        System.out.printf(Locale.ROOT, "done: %d steps in %.1f s, final loss %.4f%s%n", r.steps(), r.seconds(),
                r.lastLoss(), Float.isNaN(r.lastValLoss()) ? ""
                        : String.format(Locale.ROOT, ", validation loss %.4f (first %.4f)", r.lastValLoss(), r.firstValLoss()));
        System.out.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + out.resolve(TrainingRun.PLOT_FILE)
                + ", " + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/");
        return Main.OK;
    }

    /** The TrainConfig from the flags (shared with the demo's defaults). */
    static TrainConfig config(Args a) throws UsageException {
        String order = a.choice("data-order", "random", "sequential");
        return TrainingOptions.config(a, a.positiveInt("seq"), a.nonNegativeInt("val-every"), a.positiveInt("val-batches"),
                order.equals("sequential"));
    }

    /**
     * A randomly initialized model (its family's init, from {@code seed}) of a preset or a config-only directory,
     * changed by {@code overrides} and fitted to the tokenizer ({@link FreshModel}).
     */
    static CausalLm freshModel(String spec, String overrides, Path explicitTokenizer, long seed) throws UsageException {
        Tokenizer fit = FreshModel.tokenizer(spec, explicitTokenizer);
        if (fit == null && overrides == null && Presets.names().contains(spec) && !Files.isDirectory(Path.of(spec)))
            return Presets.create(spec, seed);
        if (fit == null) {   // no tokenizer named: a byte-sized vocabulary is ModelTokenizer's byte tokenizer
            cortado.nn.models.ModelConfig c = FreshModel.config(spec, overrides, null);
            if (c.vocabSize() != new ByteTokenizer().vocabSize()) return Models.create(c, seed);
            fit = new ByteTokenizer();
        }
        return Models.create(FreshModel.config(spec, overrides, fit), seed);
    }

    /**
     * A preset by name, or a Hugging Face checkpoint directory (or a run directory holding checkpoint/), with fp32
     * weights: the training road.
     */
    static CausalLm loadModel(String spec, long seed) throws UsageException {
        return loadModel(spec, seed, InferenceDType.F32);
    }

    /**
     * As {@link #loadModel(String, long)} for inference: a checkpoint's weight matrices are held as {@code dtype}
     * says (auto: bf16/f16 files stay 16-bit); a quantized checkpoint keeps its own format.
     */
    static CausalLm loadModel(String spec, long seed, InferenceDType dtype) throws UsageException {
        Path p = modelDir(Path.of(spec));
        if (Files.isDirectory(p))
            return QuantizeCommand.isQuantized(p) ? QuantizeCommand.loadQuantized(p) : HfCheckpoint.loadFrozen(p, dtype);
        if (Presets.names().contains(spec)) return Presets.create(spec, seed);
        if (spec.contains("/") || spec.contains(java.io.File.separator) || Files.exists(p))
            throw new CliException(spec + ": no such checkpoint directory");
        throw new UsageException("unknown model '" + spec + "': not a directory and not a preset ("
                + String.join(", ", Presets.names()) + ")");
    }

    /** {@code dir}, or {@code dir/checkpoint} when dir is a training output directory rather than a checkpoint. */
    static Path modelDir(Path dir) {
        if (Files.isDirectory(dir) && !Files.exists(dir.resolve(HfCheckpoint.CONFIG))
                && Files.isRegularFile(dir.resolve(TrainingRun.CHECKPOINT_DIR).resolve(HfCheckpoint.CONFIG)))
            return dir.resolve(TrainingRun.CHECKPOINT_DIR);
        return dir;
    }

    static void checkSeq(CausalLm model, int seq) throws UsageException {
        int max = model.config().maxPositions();
        if (seq > max) throw new UsageException("--seq " + seq + " exceeds the model's " + max + " positions");
    }
}
