package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftConfig;
import cortado.peft.PeftModel;
import cortado.peft.adalora.AdaLoraAllocation;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraInit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.train.Checkpoint;
import cortado.train.Optimizer;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the fine-tuning commands ({@code finetune}, {@code sft}) share: the base model held as {@code --method} says
 * ({@link FinetuneMethods}, adapter flags from {@link AdapterOptions}), the adapter new or resumed from
 * {@code OUT/checkpoint}, the optimizer of {@code --optimizer}, and the run itself ({@link TrainingRun}): PEFT's
 * trainable line, a progress line per step, metrics.jsonl, loss.png, checkpoints, and the adapter (or the whole
 * model) at the end.
 */
final class FinetuneSetup {
    /** QLoRA's base: NF4, blocksize 64, double quantization, the output head left in fp32 (Dettmers et al. 2023). */
    static final QuantizeSpec QLORA_BASE = new QuantizeSpec("nf4", 64, true, QuantizeSpec.DEFAULT_SKIP);
    /** QLoRA's base spec, leaving the adapters' own layers alone (for the residual quantized after wrapping). */
    static final QuantizeSpec QLORA_RESIDUAL = new QuantizeSpec(QLORA_BASE.type(), QLORA_BASE.blocksize(),
            QLORA_BASE.doubleQuant(), java.util.stream.Stream.concat(QLORA_BASE.skip().stream(),
                    java.util.stream.Stream.of(".*\\.lora_[AB]\\.")).toList());

    private FinetuneSetup() {}

    /** The flags of the method, its adapter, the optimizer and resuming (the caller adds its data flags). */
    static Args declare(Args a) {
        a.option("method", FinetuneMethods.names(), "what trains", "lora")
                .required("out", "DIR", "output directory");
        AdapterOptions.declare(a);
        OptimizerOptions.declare(a);
        return a.flag("resume", "continue from OUT/checkpoint (adapter or model, optimizer, step, data position)");
    }

    /** A base loaded and wrapped as the method says, before any data is read. */
    record Prepared(FinetuneMethods.Method method, Function<Map<String, cortado.nn.Parameter>, Optimizer> optimizer,
                    Path out, Path dir, Path checkpoint, CausalLm model, PeftModel peft, boolean quantizedBase) {}

    /**
     * Checks the flags, then loads the base, quantizes it for qlora and wraps it in a new or resumed adapter (the
     * optimizer factory a {@link Trainer} takes comes with it; a paged optimizer spills under OUT).
     */
    static Prepared prepare(Args a, long seed, PrintStream o) throws UsageException {
        FinetuneMethods.Method method = FinetuneMethods.named(a.string("method"));
        FinetuneMethods.checkFlags(method, a);
        Path out = Path.of(a.string("out"));
        var optimizer = OptimizerOptions.factory(a, (float) a.nonNegativeReal("weight-decay"), out);
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
        if (ckpt != null && !method.full() && reparameterized(AdapterFiles.readConfig(ckpt)))
            throw new CliException("--resume: " + ckpt + " holds the prompt its encoder computed (peft's"
                    + " prompt_embeddings), not the encoder, so the run cannot continue; start it again");
        if (ckpt != null && !method.full() && AdapterFiles.readConfig(ckpt) instanceof cortado.peft.adalora.AdaLoraConfig)
            throw new CliException("--resume: " + ckpt + " holds an AdaLoRA adapter cut to its rank pattern, and the"
                    + " importance statistics the allocation needs are not checkpointed, so the run cannot continue;"
                    + " start it again");
        // Validate the adapter flags before the (slow) model load.
        PeftConfig adapterConfig = method.full() ? null : method.adapter().make(a, a.string("model"));

        // PiSSA, OLoRA and LoftQ factor each target's fp32 weight (the residual stays in the base), so with qlora the
        // adapters are made first and the residual is quantized after: QPiSSA / LoftQ's order.
        LoraInit factorsBase = method.full() ? null : factorsBase(ckpt != null ? AdapterFiles.readConfig(ckpt) : adapterConfig);
        if (factorsBase != null && quantized)
            throw new CliException(dir + " is quantized, but init_lora_weights \"" + factorsBase.toJson() + "\" factors"
                    + " each target's fp32 weight: start from the fp32 model (--method qlora quantizes the residual)");
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
            peft = ckpt != null ? AdapterFiles.load(model, ckpt) : PeftModel.wrap(model, adapterConfig, seed);
            if (quantizeNow && factorsBase != null) quantizeBase(model, QLORA_RESIDUAL, "the residual base", o);
        }
        // Training runs the adapted model: the base itself, or the prompt-learning model around it.
        return new Prepared(method, optimizer, out, dir, ckpt, peft != null ? peft.model() : model, peft,
                quantized || method.quantizeBase());
    }

    private static void quantizeBase(CausalLm model, QuantizeSpec spec, String what, PrintStream o) {
        List<String> layers = ModelQuantizer.quantize(model, spec);
        o.printf(Locale.ROOT, "quantized %d linear layers of %s to nf4 (blocksize %d, double quantization)%n",
                layers.size(), what, spec.blocksize());
    }

    /** A method's own steps in training: AdaLoRA's regularization and budget allocation (none for the others). */
    static void methodHooks(PeftModel peft, Trainer trainer) {
        if (peft != null && AdaLoraAllocation.applies(peft)) {
            // peft's AdaLoraModel.forward adds the regularization; update_and_allocate runs after each update
            if (trainer.optimizer() instanceof cortado.train.dist.ZeroOptimizer
                    || trainer.optimizer() instanceof cortado.train.dist.ZeroStage3)
                throw new CliException("--method adalora reads every adapter gradient after the update, which"
                        + " --zero's sharded gradients do not keep; run it without --zero");
            AdaLoraAllocation adalora = new AdaLoraAllocation(peft);
            trainer.setMethodHooks(adalora::loss, adalora::updateAndAllocate);
        }
    }

    /** P-tuning and projected prefix tuning: an encoder trains, and only its output is saved. */
    private static boolean reparameterized(PeftConfig c) {
        return c instanceof cortado.peft.ptuning.PromptEncoderConfig
                || c instanceof cortado.peft.prefixtuning.PrefixTuningConfig p && p.prefixProjection();
    }

    /** The init that factors the base weight (PiSSA, OLoRA, LoftQ), or null. */
    private static LoraInit factorsBase(PeftConfig c) {
        return c instanceof LoraConfig lc && lc.init().modifiesBase() ? lc.init() : null;
    }

    /**
     * Restores {@code trainer} when resuming, prints the banner ({@code what}: the data, after "fine-tuning of DIR
     * on"), trains to the configured steps and writes the adapter (or the whole model, with the base's tokenizer
     * files) and the summary. Closes the optimizer.
     */
    static TrainingRun.Result train(Prepared p, Trainer trainer, String title, String what, PrintStream o)
            throws IOException, UsageException {
        return train(p, trainer, title, what, null, null, o);
    }

    /**
     * As above; {@code extraFiles} (nullable) adds files to each checkpoint (PPO's value model), and {@code resumed}
     * (nullable) is told the step a resumed run restored (where an RL objective's sampling stands).
     */
    static TrainingRun.Result train(Prepared p, Trainer trainer, String title, String what, Consumer<Path> extraFiles,
                                    java.util.function.IntConsumer resumed, PrintStream o) throws IOException, UsageException {
        TrainConfig cfg = trainer.config();
        try {   // the optimizer's spill file (paged kinds) goes when it is closed
            int resumedFrom = TrainingRun.resume(trainer, p.checkpoint());
            if (resumedFrom >= 0 && resumed != null) resumed.accept(resumedFrom);
            long all = p.model().module().parameterCount();
            o.println(p.peft() != null ? p.peft().trainableLine() : PeftModel.trainableLine(all, all));
            o.printf(Locale.ROOT, "%s fine-tuning of %s (%s parameters) on %s%n", p.method().name(), p.dir(),
                    TrainingRun.count(all), what);
            PlanCommand.printRunPlan(p.model(), p.method().full(), p.quantizedBase(), cfg, o);
            o.printf(Locale.ROOT, "%s%d steps of %d x %d tokens%s, lr %s (%s, warmup %d), %d threads%s%n",
                    resumedFrom >= 0 ? "resuming at step " + resumedFrom + " of " : "", cfg.steps(), cfg.batch(), cfg.seq(),
                    cfg.gradAccum() > 1 ? " x " + cfg.gradAccum() + " accumulated" : "", cfg.lr(), cfg.schedule(),
                    cfg.warmup(), cortado.tensor.Parallel.threads(), TrainingRun.ranks(trainer));
            TrainingRun.Result r;
            PeftModel peft = p.peft();
            methodHooks(peft, trainer);
            if (peft != null) {
                r = TrainingRun.run(trainer, p.out(), resumedFrom, title, o, (m, d) -> AdapterFiles.save(peft, d),
                        extraFiles);
                p.model().module().eval();
                if (trainer.collective().rank() == 0) AdapterFiles.save(peft, p.out());   // data parallel: one writer
            } else {
                Consumer<Path> tokenizerFiles = d -> {
                    try {
                        TokenizerFiles.copy(p.dir(), d);
                    } catch (IOException e) {
                        throw new UncheckedIOException(d + ": cannot copy the tokenizer files of " + p.dir(), e);
                    }
                };
                r = TrainingRun.run(trainer, p.out(), resumedFrom, title, o, Checkpoint.WHOLE_MODEL,
                        extraFiles == null ? tokenizerFiles : tokenizerFiles.andThen(extraFiles));
            }
            Optimizer opt = trainer.optimizer();
            o.printf(Locale.ROOT, "optimizer %s: %.2f MB of state%s, %.2f MB of it in memory%n", opt.kind(),
                    opt.stateBytesTotal() / 1048576.0, opt instanceof cortado.train.dist.ZeroOptimizer
                            || opt instanceof cortado.train.dist.ZeroStage3 ? " (rank 0's shard)" : "",
                    opt.stateBytesResident() / 1048576.0);
            o.printf(Locale.ROOT, "done: %d steps in %.1f s, final loss %.4f%s%n", r.steps(), r.seconds(), r.lastLoss(),
                    Float.isNaN(r.lastValLoss()) ? "" : String.format(Locale.ROOT,
                            ", validation loss %.4f (first %.4f)", r.lastValLoss(), r.firstValLoss()));
            o.println("wrote " + p.out().resolve(TrainingRun.METRICS_FILE) + ", " + p.out().resolve(TrainingRun.PLOT_FILE)
                    + ", " + p.out().resolve(TrainingRun.CHECKPOINT_DIR) + "/ and "
                    + (peft != null ? "the adapter " + p.out() + "/"
                            : "the model " + p.out().resolve(TrainingRun.CHECKPOINT_DIR) + "/"));
            return r;
        } finally {
            trainer.optimizer().close();
        }
    }
}
