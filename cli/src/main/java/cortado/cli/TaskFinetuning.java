package cortado.cli;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.TaskLabels;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.bert.BertForMultipleChoice;
import cortado.nn.models.bert.BertForQuestionAnswering;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.BertForTokenClassification;
import cortado.nn.models.bert.BertInit;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftConfig;
import cortado.peft.PeftMethods;
import cortado.peft.PeftModel;
import cortado.train.Batches;
import cortado.train.Checkpoint;
import cortado.train.MetricsLog;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.tasks.EarlyStopping;
import cortado.train.tasks.EpochState;
import cortado.train.tasks.EpochTraining;
import cortado.train.tasks.TaskData;
import cortado.train.tasks.TaskEvaluation;
import cortado.train.tasks.TaskHead;
import cortado.train.tasks.TaskJsonl;
import cortado.train.tasks.TaskObjective;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * {@code finetune --head classify|tokens|qa|choice}: a BERT encoder with a task head trained in epochs on JSONL
 * ({@link TaskJsonl}), the validation metric after each epoch, early stopping with patience and the best epoch's model
 * kept in {@code OUT/best}; the recipe of BERT's paper and transformers' example scripts (lr 2e-5, linear decay,
 * 3 epochs, batch 16 unless given), full fine-tuning or LoRA with the head trained whole (PEFT's modules_to_save).
 * OUT/checkpoint is a training checkpoint after every epoch (and every --save-every steps); {@code --resume} builds
 * the model as the run did from --model, puts the checkpoint's weights (or adapter) in, and continues exactly.
 */
final class TaskFinetuning {
    /** The recipe's defaults where the flag is not given (Devlin et al. 2019, §4 / Appendix A.3). */
    static final String LR = "2e-5", SCHEDULE = "linear", BATCH = "16";

    private TaskFinetuning() {}

    static int run(Args a, PrintStream o) throws Exception {
        TaskHead head = TaskHead.named(a.string("head"));
        if (head == null) throw new UsageException("--head must be classify, tokens, qa or choice, got " + a.string("head"));
        String method = a.string("method");
        if (!method.equals("full") && !method.equals("lora"))
            throw new UsageException("--head trains with --method full or lora, not " + method);
        if (a.positiveInt("grad-accum") != 1) throw new UsageException("--head counts epochs in batches: --grad-accum must be 1");
        String metric = a.has("metric") ? a.string("metric") : head.metrics().get(0);
        if (!head.metrics().contains(metric))
            throw new UsageException("--metric for --head " + head.flag() + " is one of " + head.metrics() + ", not " + metric);
        int freeze = a.nonNegativeInt("freeze-layers");
        if (freeze > 0 && method.equals("lora"))
            throw new UsageException("--freeze-layers is for --method full (LoRA already freezes the encoder)");
        long seed = a.longValue("seed");
        int epochs = a.positiveInt("epochs"), batch = Integer.parseInt(a.has("batch") ? a.string("batch") : BATCH);
        if (batch < 1) throw new UsageException("--batch must be >= 1");
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model"))), out = Path.of(a.string("out"));
        Path ckpt = a.bool("resume") ? Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR)) : null;
        if (a.bool("resume")) {
            if (ckpt == null) throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
            boolean hasAdapter = Files.isRegularFile(ckpt.resolve(AdapterFiles.CONFIG));
            if (hasAdapter != method.equals("lora"))
                throw new CliException("--resume: " + ckpt + " holds " + (hasAdapter ? "an adapter" : "a whole model")
                        + ", not what --method " + method + " trains");
        }
        BertConfig base = BertCheckpoint.config(dir);
        EncoderTokenizer tok = EncoderTokenizer.open(a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir,
                base.vocabSize());
        int maxLength = a.has("max-length") ? a.positiveInt("max-length") : Math.min(128, base.maxPositionEmbeddings());
        if (maxLength > base.maxPositionEmbeddings())
            throw new UsageException("--max-length " + maxLength + " exceeds the model's " + base.maxPositionEmbeddings() + " positions");

        boolean continues = head.architecture().equals(base.architecture());   // a model of this head already
        TaskLabels known = continues ? TaskLabels.of(HfCheckpoint.readConfig(dir)) : null;
        Path dataFile = Path.of(a.string("data"));
        TaskData train = TaskJsonl.load(dataFile, head, tok.tok(), maxLength, known);
        TaskData val;
        if (a.has("val-data")) val = TaskJsonl.load(Path.of(a.string("val-data")), head, tok.tok(), maxLength, train.labels());
        else {   // hold out 10% of the rows (at least one), after a seeded shuffle
            List<Batches.EncoderRow> rows = new ArrayList<>(train.rows());
            if (rows.size() < 2) throw new CliException(dataFile + ": one example cannot be split; pass --val-data");
            Collections.shuffle(rows, new Random(seed));
            int held = Math.max(1, rows.size() / 10);
            val = new TaskData(head, rows.subList(rows.size() - held, rows.size()), train.labels(), train.seq(), train.choices(), dataFile + " (held out)");
            train = new TaskData(head, rows.subList(0, rows.size() - held), train.labels(), train.seq(), train.choices(), dataFile.toString());
        }
        if (head == TaskHead.CHOICE && val.choices() != train.choices())
            throw new CliException(val.source() + ": " + val.choices() + " choices per row, the training data " + train.choices());
        int seq = Math.max(train.seq(), val.seq());

        int labels = train.labels() != null ? train.labels().size() : base.numLabels();
        if (head == TaskHead.CLASSIFY && labels < 2)
            throw new CliException(dataFile + ": classification needs at least 2 labels, the data has " + labels);
        BertConfig c = new BertConfig(base.vocabSize(), base.hiddenSize(), base.numHiddenLayers(), base.numAttentionHeads(),
                base.intermediateSize(), base.hiddenAct(), base.maxPositionEmbeddings(), base.typeVocabSize(),
                base.layerNormEps(), head == TaskHead.QA || head == TaskHead.CHOICE ? base.numLabels() : labels,
                head.architecture(), base.hiddenDropoutProb(), base.attentionProbsDropoutProb(), base.classifierDropout(),
                base.initializerRange());
        Module model = continues ? BertCheckpoint.load(dir) : newHead(head, c);
        if (!continues) {
            BertInit.apply(model, c.initializerRange(), seed);   // the head as transformers initializes a new one
            if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) BertCheckpoint.loadEncoderInto(model, dir);
        }
        if (ckpt != null && method.equals("full")) BertCheckpoint.loadHead(model, ckpt);   // every weight, as last saved
        if (freeze > 0) freezeLayers(model, freeze, c.numHiddenLayers());
        String headModule = head == TaskHead.QA ? "qa_outputs" : "classifier";
        PeftModel peft = null;
        if (method.equals("lora")) {
            PeftConfig lora = PeftMethods.config("lora", new PeftMethods.Options(a.positiveInt("r"),
                    a.nonNegativeReal("alpha"), a.nonNegativeReal("dropout"), null, a.bool("rslora"), null,
                    List.of(headModule)));
            // resumed: the adapter (with the head) from the checkpoint on the base built as the run built it
            peft = ckpt != null ? AdapterFiles.loadModule(model, "bert", ckpt) : PeftModel.wrapModule(model, "bert", lora, seed);
        }

        Batches batches = Batches.epochs(train.rows(), batch, seq, seed);
        int perEpoch = batches.batchesPerEpoch();
        TrainConfig cfg = new TrainConfig(epochs * perEpoch, batch, seq,
                Float.parseFloat(a.has("lr") ? a.string("lr") : LR), a.nonNegativeInt("warmup"),
                a.has("schedule") ? TrainingOptions.schedule(a) : SCHEDULE, (float) a.nonNegativeReal("weight-decay"),
                (float) a.nonNegativeReal("grad-clip"), 1, 0, 1, seed, false, a.nonNegativeInt("save-every"),
                a.bool("checkpoint-activations"));
        TaskObjective objective = new TaskObjective(head, model, train.choices());
        Files.createDirectories(out);
        Trainer trainer = new Trainer(model, cfg, batches, OptimizerOptions.factory(a, cfg.weightDecay(), out), objective);
        EarlyStopping stopping = new EarlyStopping(metric, a.nonNegativeInt("early-stopping-patience"));
        EpochState resumed = ckpt == null ? null : EpochTraining.resume(trainer, ckpt, stopping, perEpoch, epochs);

        long trainable = 0, all = model.parameterCount();
        for (Parameter p : model.namedParameters().values()) if (p.value().requiresGrad()) trainable += p.value().numel();
        o.println(PeftModel.trainableLine(trainable, all));
        o.printf(Locale.ROOT, "%s of %s (%s, %s) on %s: %d training and %d validation examples%s, rows of %d tokens%n",
                head.architecture(), dir, method, TrainingRun.count(all), dataFile, train.size(), val.size(),
                train.labels() != null ? ", labels " + train.labels().names() : "", seq);
        o.printf(Locale.ROOT, "%s%d epochs of %d steps of %d, lr %s (%s, warmup %d); early stopping on val %s%s%n",
                resumed != null ? "resuming at step " + trainer.completedSteps() + " of " + cfg.steps() + ": " : "", epochs,
                perEpoch, batch, cfg.lr(), cfg.schedule(), cfg.warmup(), metric,
                a.nonNegativeInt("early-stopping-patience") == 0 ? " off (the best epoch is still kept)"
                        : ", patience " + a.nonNegativeInt("early-stopping-patience"));
        TaskData heldOut = val;
        PeftModel adapters = peft;
        TaskLabels names = train.labels();
        Consumer<Path> writeModel = d -> {
            if (adapters != null) AdapterFiles.save(adapters, d);
            else BertCheckpoint.save(model, c, head.architecture(), names, d);
            tok.saveInto(d);
        };
        EpochTraining.Result r;
        long t0 = System.nanoTime();
        Path last = out.resolve(TrainingRun.CHECKPOINT_DIR), metricsFile = out.resolve(TrainingRun.METRICS_FILE);
        try (MetricsLog log = resumed == null ? MetricsLog.create(metricsFile)
                : MetricsLog.resume(metricsFile, trainer.completedSteps())) {
            ProgressBar bar = ProgressBar.forStdout(cfg.steps());
            r = EpochTraining.run(trainer, epochs, perEpoch, () -> {
                Map<String, Double> m = TaskEvaluation.evaluate(objective, heldOut, batch);
                System.out.printf(Locale.ROOT, "%nepoch %d: val %s%n", trainer.completedSteps() / perEpoch, format(m));
                return m;
            }, stopping, log, out.resolve("best"), writeModel, m -> bar.onStep(m, cfg.steps()),
                    new EpochTraining.Saving(last, (unused, d) -> writeModel.accept(d), null, cfg.saveEvery()), resumed);
            bar.finish();
        } finally {
            trainer.optimizer().close();
        }
        TrainingRun.writePlot(out.resolve(TrainingRun.METRICS_FILE), out.resolve(TrainingRun.PLOT_FILE),
                "finetune --head " + head.flag() + " " + dataFile, o);
        o.printf(Locale.ROOT, "done: %d epochs in %.1f s%s; best val %s %.4f at epoch %d%n", r.epochsRun(),
                (System.nanoTime() - t0) / 1e9, r.stoppedEarly() ? " (stopped early)" : "", metric, r.best(), r.bestEpoch());
        o.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", the best epoch's " + (peft != null ? "adapter " : "model ")
                + out.resolve("best") + "/ and the last epoch's " + last + "/");
        return Main.OK;
    }

    static Module newHead(TaskHead head, BertConfig c) {
        return switch (head) {
            case CLASSIFY -> new BertForSequenceClassification(c);
            case TOKENS -> new BertForTokenClassification(c);
            case QA -> new BertForQuestionAnswering(c);
            case CHOICE -> new BertForMultipleChoice(c);
        };
    }

    /** Freezes the embeddings and the first {@code n} encoder layers (their parameters stop training). */
    static void freezeLayers(Module model, int n, int layers) throws UsageException {
        if (n > layers) throw new UsageException("--freeze-layers " + n + ": the model has " + layers + " layers");
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            boolean frozen = name.startsWith("bert.embeddings.");
            for (int i = 0; i < n && !frozen; i++) frozen = name.startsWith("bert.encoder.layer." + i + ".");
            if (frozen) e.getValue().setTrainable(false);
        }
    }

    static String format(Map<String, Double> m) {
        StringBuilder s = new StringBuilder();
        m.forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.4f", v)));
        return s.toString();
    }
}
