package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftConfig;
import cortado.peft.PeftModel;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraInit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.train.Checkpoint;
import cortado.train.Optimizer;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * {@code cortado finetune}: fine-tunes a Hugging Face model directory on text, token or JSONL data, either whole or
 * through PEFT adapters ({@link FinetuneMethods}), with the pretraining loop ({@link Trainer}, {@link TrainingRun}).
 */
public final class FinetuneCommand implements Command {
    /** QLoRA's base: NF4, blocksize 64, double quantization, the output head left in fp32 (Dettmers et al. 2023). */
    static final QuantizeSpec QLORA_BASE = new QuantizeSpec("nf4", 64, true, QuantizeSpec.DEFAULT_SKIP);

    /** QLoRA's base spec, leaving the adapters' own layers alone (for the residual quantized after wrapping). */
    static final QuantizeSpec QLORA_RESIDUAL = new QuantizeSpec(QLORA_BASE.type(), QLORA_BASE.blocksize(),
            QLORA_BASE.doubleQuant(), java.util.stream.Stream.concat(QLORA_BASE.skip().stream(),
                    java.util.stream.Stream.of(".*\\.lora_[AB]\\.")).toList());

    @Override public String name() { return "finetune"; }

    @Override public String summary() { return "fine-tune a model directory: whole, or with a PEFT method (LoRA, QLoRA, IA3, LoHa, LoKr, VeRA, OFT, LN tuning, ...); writes a PEFT adapter"; }

    static Args args() {
        Args a = new Args("finetune", """
                Fine-tunes a causal language model (a Hugging Face checkpoint directory) with next-token cross-entropy
                and the --optimizer (AdamW by default). --data is UTF-8 text, JSONL ({"text": ...} per line; each
                document ends with the tokenizer's end-of-text token) tokenized with the model directory's tokenizer, or a token file (.bin,
                nanoGPT or llm.c). Methods:
                """ + FinetuneMethods.help() + """
                Prints PEFT's trainable-parameter line, then a progress line per step; writes OUT/metrics.jsonl,
                OUT/loss.png and OUT/checkpoint (for --resume: the adapter, or with full the whole model, plus the
                optimizer and trainer state). An adapter is written to OUT, in PEFT's format for every method but full and
                bitfit (adapter_config.json, adapter_model.safetensors: PeftModel.from_pretrained(base, OUT) loads it); cortado
                generate, chat, perplexity and merge take it with --adapter OUT. Full fine-tuning's model is
                OUT/checkpoint.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .required("data", "FILE", "training data: text, .jsonl or a .bin token file")
                .option("method", FinetuneMethods.names(), "what trains", "lora")
                .required("out", "DIR", "output directory");
        AdapterOptions.declare(a);
        OptimizerOptions.declare(a);
        return a.option("tokenizer", "PATH", "tokenizer for text and JSONL data; default: the model directory's own", null)
                .option("steps", "N", "optimizer steps", "100")
                .option("batch", "B", "sequences per micro-batch", "4")
                .option("seq", "T", "tokens per sequence", "128")
                .option("lr", "X", "peak learning rate", "2e-4")
                .option("warmup", "W", "linear warmup steps", "0")
                .option("schedule", "NAME", OptimizerOptions.scheduleHelp(), "constant")
                .option("weight-decay", "D", "the optimizer's weight decay (matrices only): decoupled in AdamW, Lion"
                        + " and Adafactor, added to the gradient in SGD and to the update in LAMB, as their references", "0")
                .option("grad-clip", "C", "clip the global gradient norm to C; 0 turns clipping off", "1.0")
                .option("grad-accum", "K", "micro-batches per optimizer step", "1")
                .option("val-every", "N", "validation loss every N steps (and after steps 1 and last); 0: off", "0")
                .option("val-data", "FILE", "validation data; default: the last 10% of --data, held out from training", null)
                .option("val-batches", "N", "batches per validation", "20")
                .option("seed", "S", "seed for the adapter initialization, dropout and the random data order", "1337")
                .option("data-order", "random|sequential", "random windows, or llm.c's sequential batches", "random")
                .option("save-every", "N", "also write the checkpoint every N steps; 0: only at the end", "100")
                .flag("checkpoint-activations", "recompute each block during backward: much less memory, more compute")
                .flag("resume", "continue from OUT/checkpoint (adapter or model, optimizer, step, data position)");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        FinetuneMethods.Method method = FinetuneMethods.named(a.string("method"));
        FinetuneMethods.checkFlags(method, a);
        TrainConfig cfg = PretrainCommand.config(a);
        Path out = Path.of(a.string("out"));
        var optimizer = OptimizerOptions.factory(a, cfg.weightDecay(), out);
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
        if (!Files.isDirectory(dir)) throw new CliException(a.string("model") + ": no such model directory");
        boolean quantized = QuantizeCommand.isQuantized(dir);
        if (method.full() && quantized)
            throw new CliException(dir + ": a quantized model's weights are frozen, so --method full cannot train them;"
                    + " use --method qlora (adapters on the quantized base), or cortado dequantize first");
        Path ckpt = null;
        if (a.bool("resume")) {
            ckpt = Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR));
            if (ckpt == null) throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
            boolean hasAdapter = !Files.isRegularFile(ckpt.resolve(HfCheckpoint.CONFIG));
            if (hasAdapter == method.full())
                throw new CliException("--resume: " + ckpt + " holds " + (hasAdapter ? "an adapter" : "a whole model")
                        + ", not what --method " + method.name() + " trains");
        }
        // Validate the adapter flags before the (slow) model load.
        PeftConfig adapterConfig = method.full() ? null : method.adapter().make(a, a.string("model"));

        // PiSSA, OLoRA and LoftQ factor each target's fp32 weight (the residual stays in the base), so with qlora the
        // adapters are made first and the residual is quantized after: QPiSSA / LoftQ's order.
        LoraInit factorsBase = factorsBase(ckpt != null ? AdapterFiles.readConfig(ckpt) : adapterConfig);
        if (factorsBase != null && quantized)
            throw new CliException(dir + " is quantized, but init_lora_weights \"" + factorsBase.toJson() + "\" factors"
                    + " each target's fp32 weight: start from the fp32 model (--method qlora quantizes the residual)");

        PrintStream o = System.out;
        CausalLm model;
        PeftModel peft = null;
        if (method.full()) {
            model = ckpt != null ? Checkpoint.loadModel(ckpt) : HfCheckpoint.load(dir);
        } else {
            model = quantized ? QuantizeCommand.loadQuantized(dir) : HfCheckpoint.load(dir);
            boolean quantizeNow = method.quantizeBase() && !quantized;
            if (quantizeNow && factorsBase == null) quantizeBase(model, QLORA_BASE, "the base", o);
            if (factorsBase != null)
                o.printf(Locale.ROOT, "factoring each target's weight for init_lora_weights \"%s\"%n", factorsBase.toJson());
            peft = ckpt != null ? AdapterFiles.load(model, ckpt)
                    : PeftModel.wrap(model, adapterConfig, cfg.seed());
            if (quantizeNow && factorsBase != null) quantizeBase(model, QLORA_RESIDUAL, "the residual base", o);
        }
        PretrainCommand.checkSeq(model, cfg.seq());

        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        Tokenizer dataTok = tok == null ? null : tok.specialTokensAsText();
        int vocab = model.config().vocabSize();
        TokenData data = TokenData.load(Path.of(a.string("data")), dataTok, vocab);
        TokenData train = data, val = null;
        if (cfg.valEvery() > 0) {
            if (a.has("val-data")) val = TokenData.load(Path.of(a.string("val-data")), dataTok, vocab);
            else {
                TokenData[] split = TrainingRun.splitTail(data, 0.1, cfg.seq());
                train = split[0];
                val = split[1];
            }
        }

        Files.createDirectories(out);   // a paged optimizer spills there
        Trainer trainer = new Trainer(model, cfg, train, val, optimizer);
        try {   // the optimizer's spill file (paged kinds) goes when it is closed
            int resumedFrom = -1;
            if (ckpt != null) {
                Checkpoint.restore(trainer, ckpt);
                resumedFrom = trainer.completedSteps();
                if (resumedFrom >= cfg.steps())
                    throw new CliException("--resume: the checkpoint is at step " + resumedFrom + ", not before --steps "
                            + cfg.steps());
            }
            long all = model.module().parameterCount();
            o.println(peft != null ? peft.trainableLine() : PeftModel.trainableLine(all, all));
            o.printf(Locale.ROOT, "%s fine-tuning of %s (%s parameters) on %s: %s training tokens%s%n", method.name(), dir,
                    TrainingRun.count(all), a.string("data"), TrainingRun.count(train.size()),
                    val == null ? "" : ", " + TrainingRun.count(val.size()) + " validation tokens");
            PlanCommand.printRunPlan(model, method.full(), quantized || method.quantizeBase(), cfg, o);
            o.printf(Locale.ROOT, "%s%d steps of %d x %d tokens%s, lr %s (%s, warmup %d), %d threads%n",
                    resumedFrom >= 0 ? "resuming at step " + resumedFrom + " of " : "", cfg.steps(), cfg.batch(), cfg.seq(),
                    cfg.gradAccum() > 1 ? " x " + cfg.gradAccum() + " accumulated" : "", cfg.lr(), cfg.schedule(),
                    cfg.warmup(), cortado.tensor.Parallel.threads());

            String title = "finetune (" + method.name() + ") " + a.string("data");
            TrainingRun.Result r;
            if (peft != null) {
                PeftModel adapted = peft;
                r = TrainingRun.run(trainer, out, resumedFrom, title, o, (m, d) -> AdapterFiles.save(adapted, d), null);
                model.module().eval();
                AdapterFiles.save(peft, out);
            } else {
                Consumer<Path> tokenizerFiles = d -> {
                    try {
                        TokenizerFiles.copy(dir, d);
                    } catch (IOException e) {
                        throw new UncheckedIOException(d + ": cannot copy the tokenizer files of " + dir, e);
                    }
                };
                r = TrainingRun.run(trainer, out, resumedFrom, title, o, Checkpoint.WHOLE_MODEL, tokenizerFiles);
            }
            Optimizer opt = trainer.optimizer();
            o.printf(Locale.ROOT, "optimizer %s: %.2f MB of state, %.2f MB of it in memory%n", opt.kind(),
                    opt.stateBytesTotal() / 1048576.0, opt.stateBytesResident() / 1048576.0);
            o.printf(Locale.ROOT, "done: %d steps in %.1f s, final loss %.4f%s%n", r.steps(), r.seconds(), r.lastLoss(),
                    Float.isNaN(r.lastValLoss()) ? "" : String.format(Locale.ROOT,
                            ", validation loss %.4f (first %.4f)", r.lastValLoss(), r.firstValLoss()));
            o.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + out.resolve(TrainingRun.PLOT_FILE) + ", "
                    + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/ and "
                    + (peft != null ? "the adapter " + out + "/"
                            : "the model " + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/"));
        } finally {
            trainer.optimizer().close();
        }
        return Main.OK;
    }

    private static void quantizeBase(CausalLm model, QuantizeSpec spec, String what, PrintStream o) {
        List<String> layers = ModelQuantizer.quantize(model, spec);
        o.printf(Locale.ROOT, "quantized %d linear layers of %s to nf4 (blocksize %d, double quantization)%n",
                layers.size(), what, spec.blocksize());
    }

    /** The init that factors the base weight (PiSSA, OLoRA, LoftQ), or null. */
    private static LoraInit factorsBase(PeftConfig c) {
        return c instanceof LoraConfig lc && lc.init().modifiesBase() ? lc.init() : null;
    }
}
