package cortado.cli;

import cortado.data.tokenizer.BpeTokenizer;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.data.tokenizer.WordPieceTokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.train.Batches;
import cortado.train.Checkpoint;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.distill.DistillationLoss;
import cortado.train.distill.DistillationObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code cortado distill}: trains a student causal LM on a teacher's softened next-token distribution plus the data's
 * own next tokens ({@link DistillationLoss}, Hinton et al. 2015); the teacher is frozen and may be quantized.
 */
public final class DistillCommand implements Command {
    @Override public String name() { return "distill"; }

    @Override public String summary() { return "knowledge distillation: train a student on a frozen (optionally quantized) teacher's soft targets"; }

    static Args args() {
        return TrainingOptions.declare(OptimizerOptions.declare(new Args("distill", """
                Knowledge distillation (Hinton et al. 2015): the student minimizes
                  alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student, next tokens)
                on windows of --data, the KL summed over the vocabulary and averaged over tokens. The teacher runs
                frozen in eval mode on the same tokens (a directory made by cortado quantize stays quantized;
                --quantize-teacher quantizes an fp32 one on load). Teacher and student share the vocabulary: a new
                student (preset or config-only directory) takes the teacher's tokenizer. The held-out loss is the
                student's plain next-token cross-entropy. Writes OUT/metrics.jsonl (loss, kl, ce, val_loss per step),
                OUT/loss.png and OUT/checkpoint (the student, Hugging Face layout, plus state for --resume).""")
                .required("teacher", "DIR", "the teacher: a Hugging Face checkpoint directory (fp32, 16-bit or quantized)")
                .option("student", "PRESET|DIR", "the student: a preset (" + String.join(", ",
                        cortado.nn.models.Presets.names()) + "), a checkpoint directory, or a config-only directory"
                        + " (random init); required unless --resume", null)
                .option("config", "K=V,...", "change a new student's config fields (n_layer=2,n_embd=64,...)", null)
                .required("data", "FILE", "training text or tokens: text, .jsonl, nanoGPT .bin or llm.c .bin")
                .option("tokenizer", "PATH", "tokenizer for text data; default: the teacher's", null)
                .option("temperature", "T", "softmax temperature of both distributions", "2.0")
                .option("alpha", "A", "weight of the soft (KL) term; 1 - A weighs the hard-label cross-entropy", "0.5")
                .option("quantize-teacher", "none|nf4|fp4|int8", "hold an fp32 teacher's linear layers quantized"
                        + " (bitsandbytes' formats; 4-bit with double quantization, blocksize 64; lm_head kept)", "none")
                .option("seq", "T", "tokens per sequence", "128")
                .option("val-every", "N", "held-out loss every N steps (and after steps 1 and last); 0 turns it off", "100")
                .option("val-data", "FILE", "validation data; default: the last 10% of --data, held out from training", null)
                .option("val-batches", "N", "batches per validation", "20")
                .option("out", "DIR", "output directory", "runs/distill")
                .flag("resume", "continue from OUT/checkpoint (student, optimizer, step, data position)")),
                TrainingOptions.PRETRAIN);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        var loss = new DistillationLoss.Config((float) positive(a, "temperature"), (float) a.nonNegativeReal("alpha"));
        if (loss.alpha() > 1) throw new UsageException("--alpha must be in [0, 1], got " + loss.alpha());
        String quantize = a.choice("quantize-teacher", "none", "nf4", "fp4", "int8");
        TrainConfig cfg = TrainingOptions.config(a, a.positiveInt("seq"), a.nonNegativeInt("val-every"),
                a.positiveInt("val-batches"), false);
        Path out = Path.of(a.string("out"));
        boolean resume = a.bool("resume");
        Path ckpt = resume ? Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR)) : null;
        if (resume && ckpt == null)
            throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
        if (!resume && !a.has("student")) throw new UsageException("missing --student PRESET|DIR (see cortado distill --help)");

        Path teacherDir = PretrainCommand.modelDir(Path.of(a.string("teacher")));
        if (!Files.isRegularFile(teacherDir.resolve(HfCheckpoint.CONFIG)) || FreshModel.isConfigOnly(teacherDir))
            throw new CliException("--teacher " + a.string("teacher") + ": not a checkpoint directory (config.json and"
                    + " weights)");
        boolean quantized = QuantizeCommand.isQuantized(teacherDir);
        if (quantized && !quantize.equals("none"))
            throw new UsageException("--quantize-teacher: " + teacherDir + " is already quantized");
        CausalLm teacher = PretrainCommand.loadModel(teacherDir.toString(), cfg.seed(),
                quantize.equals("none") ? cortado.nn.io.InferenceDType.AUTO : cortado.nn.io.InferenceDType.F32);
        if (!quantize.equals("none")) {
            int layers = ModelQuantizer.quantize(teacher, new QuantizeSpec(quantize, 64, !quantize.equals("int8"),
                    QuantizeSpec.DEFAULT_SKIP)).size();
            System.out.printf(Locale.ROOT, "quantized %d linear layers of the teacher to %s%n", layers, quantize);
        }

        Path explicitTokenizer = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        Path tokenizerSource = explicitTokenizer != null ? explicitTokenizer
                : Tokenizers.hasTokenizer(teacherDir) ? teacherDir : null;
        CausalLm student;
        Path studentDir = ckpt;
        if (ckpt != null) {
            if (a.has("config")) throw new UsageException("--config sets a new student's fields; --resume continues its checkpoint");
            student = Checkpoint.loadModel(ckpt);
        } else if (FreshModel.isFresh(a.string("student"))) {
            student = PretrainCommand.freshModel(a.string("student"), a.string("config"), tokenizerSource, cfg.seed());
        } else {
            if (a.has("config")) throw new UsageException("--config sets a new student's fields; " + a.string("student")
                    + " holds trained weights");
            studentDir = PretrainCommand.modelDir(Path.of(a.string("student")));
            if (QuantizeCommand.isQuantized(studentDir))
                throw new CliException(studentDir + ": a quantized student's weights cannot train; dequantize it first");
            student = PretrainCommand.loadModel(a.string("student"), cfg.seed());
        }
        if (student.config().vocabSize() != teacher.config().vocabSize())
            throw new CliException("the student's vocabulary (" + student.config().vocabSize() + ") is not the teacher's ("
                    + teacher.config().vocabSize() + "): distillation compares their distributions token by token");
        PretrainCommand.checkSeq(student, cfg.seq());
        PretrainCommand.checkSeq(teacher, cfg.seq());

        Tokenizer tok = ModelTokenizer.forModel(teacher, explicitTokenizer, teacherDir);
        Tokenizer dataTok = tok == null ? null : tok.specialTokensAsText();
        int vocab = student.config().vocabSize();
        TokenData train = TokenData.load(Path.of(a.string("data")), dataTok, vocab), val = null;
        if (cfg.valEvery() > 0 && a.has("val-data")) val = TokenData.load(Path.of(a.string("val-data")), dataTok, vocab);
        else if (cfg.valEvery() > 0) {
            TokenData[] split = TrainingRun.splitTail(train, 0.1, cfg.seq());
            train = split[0];
            val = split[1];
        }
        Trainer trainer = new Trainer(student, cfg, Batches.random(train, cfg.batch(), cfg.seq(), cfg.seed()), val,
                OptimizerOptions.factory(a, cfg.weightDecay(), out), new DistillationObjective(teacher, loss));
        int resumedFrom = TrainingRun.resume(trainer, ckpt);
        System.out.printf(Locale.ROOT, "teacher %s (%s parameters%s), student %s (%s parameters), data %s: %s training"
                        + " tokens%s%n", teacherDir, TrainingRun.count(teacher.module().parameterCount()),
                quantized ? ", quantized" : quantize.equals("none") ? "" : ", " + quantize,
                ckpt != null ? ckpt : a.string("student"), TrainingRun.count(student.module().parameterCount()),
                a.string("data"), TrainingRun.count(train.size()),
                val == null ? "" : ", " + TrainingRun.count(val.size()) + " validation tokens");
        System.out.printf(Locale.ROOT, "loss = %s * T^2 * KL(teacher || student at T = %s) + %s * CE%n", loss.alpha(),
                loss.temperature(), 1 - loss.alpha());
        PlanCommand.printRunPlan(student, true, false, cfg, System.out);
        System.out.printf(Locale.ROOT, "%s%d steps of %d x %d tokens%s, lr %s (%s, warmup %d), %d threads%n",
                resumedFrom >= 0 ? "resuming at step " + resumedFrom + " of " : "", cfg.steps(), cfg.batch(), cfg.seq(),
                cfg.gradAccum() > 1 ? " x " + cfg.gradAccum() + " accumulated" : "", cfg.lr(), cfg.schedule(),
                cfg.warmup(), cortado.tensor.Parallel.threads());
        Consumer<Path> saveTokenizer = tok instanceof BpeTokenizer || tok instanceof WordPieceTokenizer
                || tok instanceof HfTokenizer ? d -> HfTokenizerJson.save(tok, d.resolve("tokenizer.json")) : null;
        TrainingRun.Result r;
        try {
            r = TrainingRun.run(trainer, out, resumedFrom, "distill " + a.string("data"), System.out, saveTokenizer);
        } finally {
            trainer.optimizer().close();
        }
        System.out.printf(Locale.ROOT, "done: %d steps in %.1f s, final loss %.4f%s%n", r.steps(), r.seconds(),
                r.lastLoss(), Float.isNaN(r.lastValLoss()) ? "" : String.format(Locale.ROOT,
                        ", held-out cross-entropy %.4f (first %.4f)", r.lastValLoss(), r.firstValLoss()));
        System.out.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + out.resolve(TrainingRun.PLOT_FILE)
                + ", " + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/");
        return Main.OK;
    }

    private static double positive(Args a, String name) throws UsageException {
        double v = a.nonNegativeReal(name);
        if (!(v > 0)) throw new UsageException("--" + name + " must be > 0, got " + v);
        return v;
    }
}
