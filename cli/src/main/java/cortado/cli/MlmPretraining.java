package cortado.cli;

import cortado.autograd.NoGrad;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.nn.models.bert.BertInit;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.StepArena;
import cortado.train.Batches;
import cortado.train.Checkpoint;
import cortado.train.MetricsLog;
import cortado.train.MlmMasking;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.tasks.EarlyStopping;
import cortado.train.tasks.EpochState;
import cortado.train.tasks.EpochTraining;
import cortado.train.tasks.MlmChunks;
import cortado.train.tasks.MlmObjective;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code pretrain --objective mlm}: masked-LM pretraining of a BERT model as transformers' run_mlm.py does it
 * ({@link MlmChunks}, {@link MlmObjective}), in epochs over the training blocks with the held-out blocks' masked loss
 * after each epoch. The validation blocks are masked once, with a seed of their own, so every epoch scores the same
 * masked positions and the numbers compare. OUT/checkpoint is a training checkpoint after every epoch (and every
 * --save-every steps); {@code --resume} continues it exactly: training batch i is masked from (seed, i), so the masks
 * do not depend on where the run was interrupted.
 */
final class MlmPretraining {
    private MlmPretraining() {}

    static int run(Args a, PrintStream o) throws Exception {
        Path out = Path.of(a.string("out"));
        Path ckpt = a.bool("resume") ? Checkpoint.locate(out.resolve(TrainingRun.CHECKPOINT_DIR)) : null;
        if (a.bool("resume") && ckpt == null)
            throw new CliException("--resume: no checkpoint in " + out.resolve(TrainingRun.CHECKPOINT_DIR));
        if (ckpt == null && !a.has("model"))
            throw new UsageException("--objective mlm needs --model DIR (a BERT config.json, with or without weights)");
        if (a.has("config")) throw new UsageException("--config is for decoder presets; edit the BERT config.json instead");
        if (a.positiveInt("grad-accum") != 1) throw new UsageException("--objective mlm counts epochs in batches: --grad-accum must be 1");
        if (a.has("data") && a.string("data").contains(",")) throw new UsageException("--objective mlm reads one --data file");
        double probability = a.real("mlm-probability");
        if (!(probability > 0 && probability < 1)) throw new UsageException("--mlm-probability must be in (0, 1)");
        long seed = a.longValue("seed");
        int seq = a.positiveInt("seq"), batch = a.positiveInt("batch"), epochs = a.positiveInt("epochs");
        // A resumed run's model and tokenizer are its checkpoint's.
        Path dir = ckpt != null ? ckpt : Path.of(a.string("model"));
        BertConfig config = BertCheckpoint.config(dir);
        BertForMaskedLM model;
        if (ckpt != null) model = BertCheckpoint.loadMaskedLm(ckpt);
        else if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) {
            if (!"BertForMaskedLM".equals(config.architecture()))
                throw new CliException(dir + ": architectures is " + config.architecture() + "; MLM pretraining continues"
                        + " a BertForMaskedLM checkpoint, or starts from a config.json alone");
            model = BertCheckpoint.loadMaskedLm(dir);
        } else {
            model = new BertForMaskedLM(config);
            BertInit.apply(model, config.initializerRange(), seed);
        }
        if (seq > config.maxPositionEmbeddings())
            throw new UsageException("--seq " + seq + " exceeds the model's " + config.maxPositionEmbeddings() + " positions");
        EncoderTokenizer tok = EncoderTokenizer.open(a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir,
                config.vocabSize());
        int maskId = tok.require("[MASK]");
        boolean[] continuation = null;
        if (a.bool("whole-word-masking")) {
            continuation = new boolean[config.vocabSize()];
            for (int id = 0; id < tok.tok().vocabSize(); id++) {
                String t = tok.tok().token(id);
                continuation[id] = t != null && t.startsWith("##");
            }
        }

        // Shuffle the documents, then hold out 10% of them (at least one) unless --val-data is given.
        Path data = Path.of(a.string("data"));
        List<String> texts = new ArrayList<>(MlmChunks.texts(data));
        Collections.shuffle(texts, new Random(seed));
        List<String> valTexts;
        if (a.has("val-data")) valTexts = MlmChunks.texts(Path.of(a.string("val-data")));
        else {
            if (texts.size() < 2) throw new CliException(data + ": one document cannot be split into training and validation");
            int held = Math.max(1, texts.size() / 10);
            valTexts = new ArrayList<>(texts.subList(texts.size() - held, texts.size()));
            texts = new ArrayList<>(texts.subList(0, texts.size() - held));
        }
        List<int[]> trainBlocks = MlmChunks.group(MlmChunks.encode(texts, tok.tok()), seq);
        List<int[]> valBlocks = MlmChunks.group(MlmChunks.encode(valTexts, tok.tok()), seq);
        if (trainBlocks.isEmpty() || valBlocks.isEmpty())
            throw new CliException(data + ": too little text for one training and one validation block of --seq " + seq
                    + " tokens");
        List<Batches.EncoderRow> rows = new ArrayList<>();
        for (int[] b : trainBlocks) rows.add(new Batches.EncoderRow(b, null, null, new int[0]));
        Batches batches = Batches.epochs(rows, batch, seq, seed);
        int perEpoch = batches.batchesPerEpoch();
        TrainConfig cfg = new TrainConfig(epochs * perEpoch, batch, seq, (float) a.nonNegativeReal("lr"),
                a.nonNegativeInt("warmup"), TrainingOptions.schedule(a), (float) a.nonNegativeReal("weight-decay"),
                (float) a.nonNegativeReal("grad-clip"), 1, 0, 1, seed, false, a.nonNegativeInt("save-every"),
                a.bool("checkpoint-activations"));
        MlmObjective objective = new MlmObjective(model, new MlmMasking(maskId, config.vocabSize(), probability, seed),
                tok.specialIds(), continuation);

        // Fixed validation masks, drawn once.
        MlmObjective valMasks = new MlmObjective(model, new MlmMasking(maskId, config.vocabSize(), probability, seed + 1),
                tok.specialIds(), continuation);
        List<MlmMasking.Masked> val = new ArrayList<>();
        for (int[] b : valBlocks) val.add(valMasks.mask(b));
        Files.createDirectories(out);
        var optimizer = OptimizerOptions.factory(a, cfg.weightDecay(), out);
        Trainer trainer = new Trainer(model, cfg, batches, optimizer, objective);
        EarlyStopping stopping = new EarlyStopping("loss", a.nonNegativeInt("early-stopping-patience"));
        EpochState resumed = ckpt == null ? null : EpochTraining.resume(trainer, ckpt, stopping, perEpoch, epochs);
        if (resumed != null) objective.resumeAt(trainer.completedSteps());   // one masked batch per step
        o.printf(Locale.ROOT, "masked-LM pretraining of %s (%s parameters) on %s: %d training blocks, %d validation"
                        + " blocks of %d tokens, %s masking (%.0f%% of tokens%s)%n", dir,
                TrainingRun.count(model.parameterCount()), data, trainBlocks.size(), valBlocks.size(), seq,
                continuation != null ? "whole-word" : "token", 100 * probability,
                continuation != null ? ", all [MASK]" : ": 80% [MASK], 10% random, 10% kept");
        o.printf(Locale.ROOT, "%s%d epochs of %d steps of %d blocks, lr %s (%s, warmup %d)%n",
                resumed != null ? "resuming at step " + trainer.completedSteps() + " of " + cfg.steps() + ": " : "",
                epochs, perEpoch, batch, cfg.lr(), cfg.schedule(), cfg.warmup());
        int evalBatch = batch;
        java.util.function.Supplier<Map<String, Double>> evaluate = () -> Map.of("loss", maskedLoss(model, val, seq, evalBatch));
        Path metricsFile = out.resolve(TrainingRun.METRICS_FILE);
        double before = resumed == null ? evaluate.get().get("loss") : Double.NaN;
        if (resumed == null) o.printf(Locale.ROOT, "held-out masked loss before training %.4f%n", before);
        EpochTraining.Result r;
        long t0 = System.nanoTime();
        Path finalDir = out.resolve(TrainingRun.CHECKPOINT_DIR);
        try (MetricsLog log = resumed == null ? MetricsLog.create(metricsFile)
                : MetricsLog.resume(metricsFile, trainer.completedSteps())) {
            if (resumed == null) log.logRow(new java.util.LinkedHashMap<>(Map.of("epoch", 0, "step", 0, "val_loss", before)));
            else before = initialLoss(metricsFile);
            ProgressBar bar = ProgressBar.forStdout(cfg.steps());
            r = EpochTraining.run(trainer, epochs, perEpoch, evaluate, stopping, log, out.resolve("best"),
                    d -> save(model, config, tok, d), m -> bar.onStep(m, cfg.steps()),
                    new EpochTraining.Saving(finalDir, (unused, d) -> save(model, config, tok, d), null, cfg.saveEvery()),
                    resumed);
            bar.finish();
        } finally {
            trainer.optimizer().close();
        }
        TrainingRun.writePlot(out.resolve(TrainingRun.METRICS_FILE), out.resolve(TrainingRun.PLOT_FILE),
                "pretrain --objective mlm " + data, o);
        List<Map<String, Double>> e = r.perEpoch();
        o.printf(Locale.ROOT, "done: %d epochs in %.1f s; held-out masked loss %.4f -> %.4f (best %.4f, epoch %d)%n",
                r.epochsRun(), (System.nanoTime() - t0) / 1e9, before, e.get(e.size() - 1).get("loss"), r.best(), r.bestEpoch());
        o.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + finalDir + "/ and the best epoch's model "
                + out.resolve("best") + "/");
        return Main.OK;
    }

    /** The epoch-0 (before training) held-out loss a resumed run's metrics.jsonl kept, or NaN. */
    private static double initialLoss(Path metricsFile) throws java.io.IOException {
        for (Map<String, Object> row : MetricsLog.read(metricsFile))
            if (row.get("epoch") instanceof Number e && e.intValue() == 0 && row.get("val_loss") instanceof Number v)
                return v.doubleValue();
        return Double.NaN;
    }

    private static void save(BertForMaskedLM model, BertConfig config, EncoderTokenizer tok, Path d) {
        BertConfig arch = new BertConfig(config.vocabSize(), config.hiddenSize(), config.numHiddenLayers(),
                config.numAttentionHeads(), config.intermediateSize(), config.hiddenAct(), config.maxPositionEmbeddings(),
                config.typeVocabSize(), config.layerNormEps(), config.numLabels(), "BertForMaskedLM",
                config.hiddenDropoutProb(), config.attentionProbsDropoutProb(), config.classifierDropout(),
                config.initializerRange());
        BertCheckpoint.save(model, arch, "BertForMaskedLM", null, d);
        tok.saveInto(d);
    }

    /** The mean masked-LM loss over the fixed-masked blocks, weighted by their masked positions. */
    static double maskedLoss(BertForMaskedLM model, List<MlmMasking.Masked> blocks, int seq, int batch) {
        double sum = 0;
        long scored = 0;
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (NoGrad g = NoGrad.enter()) {
            for (int from = 0; from < blocks.size(); from += batch) {
                int n = Math.min(batch, blocks.size() - from), count = 0;
                int[] ids = new int[n * seq], labels = new int[n * seq];
                for (int r = 0; r < n; r++) {
                    MlmMasking.Masked m = blocks.get(from + r);
                    System.arraycopy(m.inputs(), 0, ids, r * seq, seq);
                    System.arraycopy(m.labels(), 0, labels, r * seq, seq);
                    for (int l : m.labels()) if (l != MlmMasking.IGNORE_INDEX) count++;
                }
                if (count == 0) continue;
                try (StepArena arena = StepArena.open()) {
                    sum += MlmObjective.loss(model, new EncoderBatch(n, seq, ids, null, null), labels).item() * count;
                }
                scored += count;
            }
        } finally {
            model.train(wasTraining);
        }
        return scored == 0 ? Double.NaN : sum / scored;
    }
}
