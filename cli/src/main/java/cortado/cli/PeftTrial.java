package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.train.MetricsLog;
import cortado.train.StepMetrics;
import cortado.train.TokenData;
import cortado.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One row of {@code cortado peft-compare}: a PEFT method (or full fine-tuning, or the frozen base) trained on a
 * question set and measured, run as its own JVM ({@link PeftTrialProcess}) so that the peak resident set it reports is
 * this method's alone. The base is loaded, quantized and wrapped exactly as {@code cortado finetune --method} does it
 * ({@link FinetuneSetup#prepare}, every adapter flag at finetune's default), trained completion-only on the training
 * pairs ({@link QaFinetune}), then scored on the held-out pairs ({@link QaEval}) and on the pretraining corpus.
 *
 * <p>Its flags are finetune's plus {@code --result FILE} (one JSON object written there), {@code --held-out N},
 * {@code --corpus FILE|-} and {@code --corpus-tokens N}; {@code --data} is the question set in {@link DemoQa}'s
 * format, or {@code -} for the embedded one. {@code --method frozen} trains nothing.
 */
public final class PeftTrial {
    static final String FROZEN = "frozen";

    private PeftTrial() {}

    static Args args() {
        return FinetuneCommand.args()
                .option("result", "FILE", "where the measured row goes (JSON)", null)
                .option("held-out", "N", "score the first N held-out pairs (0: all)", "0")
                .option("corpus", "FILE|-", "pretraining text (bytes) for the forgetting loss; -: the demo corpus's tail", "-")
                .option("corpus-tokens", "N", "tokens of it to score", "32768")
                .option("threads", "N", "compute threads", "1");
    }

    public static void main(String[] argv) throws Exception {
        System.setProperty("java.awt.headless", "true");
        try {
            Args a = args().parse(argv);
            cortado.tensor.Parallel.setThreads(a.positiveInt("threads"));
            Map<String, Object> row = run(a);
            Path result = Path.of(a.string("result"));
            cortado.nn.io.AtomicFiles.write(result, tmp -> {
                try (MetricsLog log = MetricsLog.create(tmp)) {
                    log.logRow(row);
                }
            });
            System.exit(Main.OK);
        } catch (Throwable e) {
            System.err.println("error: " + Main.describe(e));
            e.printStackTrace();
            System.exit(Main.FAILURE);
        }
    }

    /** Trains and measures; the row's keys are {@link PeftCompareRow}'s. */
    static Map<String, Object> run(Args a) throws IOException, UsageException {
        String method = a.string("method");
        int steps = a.positiveInt("steps");
        float lr = (float) a.real("lr");
        long seed = a.longValue("seed");
        DemoQa.Split qa = questions(a.string("data"));
        int limit = a.nonNegativeInt("held-out");
        List<DemoQa.Pair> heldOut = limit == 0 || limit >= qa.heldOut().size() ? qa.heldOut()
                : qa.heldOut().subList(0, limit);
        Path out = Path.of(a.string("out"));
        Files.createDirectories(out);

        CausalLm model;
        cortado.peft.PeftModel peft = null;
        long trainable, all;
        FinetuneSetup.Prepared p = null;
        List<Double> stepMillis = new ArrayList<>();
        long t0 = System.nanoTime();
        // the demo's schedule (rows, warmup of a tenth) at --batch rows a step; the adapter itself is finetune --method's
        QaFinetune.Recipe demo = DemoFinetune.RECIPE.withSteps(steps);
        if (method.equals(FROZEN)) {
            Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
            if (!Files.isDirectory(dir)) throw new CliException(a.string("model") + ": no such model directory");
            model = HfCheckpoint.load(dir);
            all = model.module().parameterCount();
            trainable = 0;
        } else {
            p = FinetuneSetup.prepare(a, seed, System.out);
            model = p.model();
            peft = p.peft();
            // The question set has one task: every row, trained, scored or generated, is task 0.
            if (method.equals(MultitaskFinetune.METHOD)) ((cortado.peft.prompt.PromptLearningLm) model).taskForEveryRow(0);
            long[] counts = peft != null ? peft.trainableAndAll()
                    : new long[] {model.module().parameterCount(), model.module().parameterCount()};
            trainable = counts[0];
            all = counts[1];
            if (model.config().vocabSize() < new ByteTokenizer().vocabSize())
                throw new CliException(a.string("model") + ": the question set is byte-level (257 tokens), more than"
                        + " the model's vocabulary of " + model.config().vocabSize());
            System.out.println(peft != null ? peft.trainableLine() : cortado.peft.PeftModel.trainableLine(trainable, all));
        }
        // rows of 256 positions, fewer where virtual tokens take some of the model's (its positions then count them off)
        int seq = Math.min(demo.seq(), model.config().maxPositions()), needed = positionsNeeded(qa);
        if (needed > seq)
            throw new CliException("the longest example takes " + needed + " positions, more than the "
                    + seq + " the model has" + (seq < demo.seq() ? " beside its virtual tokens" : ""));
        QaFinetune.Recipe recipe = new QaFinetune.Recipe(demo.method(), steps, a.positiveInt("batch"), seq, lr,
                demo.warmup(), demo.r(), demo.alpha(), demo.dropout(), false, seed);
        if (!method.equals(FROZEN)) {
            Trainer trainer = QaFinetune.trainer(model, recipe, DemoQa.examples(qa.train()), p.optimizer());
            FinetuneSetup.methodHooks(peft, trainer);
            try (MetricsLog log = MetricsLog.create(out.resolve(TrainingRun.METRICS_FILE))) {
                trainer.run(log, null, (StepMetrics m, int total) -> {
                    stepMillis.add(m.stepMillis());
                    if (m.step() == 1 || m.step() % Math.max(1, total / 10) == 0 || m.step() == total)
                        System.out.printf(Locale.ROOT, "step %d/%d loss %.4f %.0f ms%n", m.step(), total, m.loss(),
                                m.stepMillis());
                });
            } finally {
                trainer.optimizer().close();
            }
            model.module().eval();
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        QaEval.Result scored = QaEval.evaluate(model, heldOut, recipe.seq());
        double corpusLoss = ValidationPerplexity.evaluate(model, corpus(a), recipe.seq(), recipe.batch()).loss();

        double median = median(stepMillis);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("method", method);
        if (!method.equals(FROZEN)) row.put("lr", (double) lr);   // the frozen row has no lr nor step time
        row.put("trainable", trainable);
        row.put("all", all);
        row.put("peak_rss_mb", PeakRss.megabytes());
        if (!stepMillis.isEmpty()) {
            row.put("median_step_ms", median);
            row.put("tokens_per_s", recipe.batch() * recipe.seq() / (median / 1000.0));
        }
        row.put("heldout_loss", scored.loss());
        row.put("exact_match", scored.exactMatch());
        row.put("heldout_pairs", heldOut.size());
        row.put("corpus_loss", corpusLoss);
        row.put("train_s", trainSeconds);
        return row;
    }

    /** Positions a row needs for the longest example of {@code qa} (its tokens but the last, which is only predicted). */
    static int positionsNeeded(DemoQa.Split qa) {
        int longest = 0;
        for (List<DemoQa.Pair> part : List.of(qa.train(), qa.heldOut()))
            for (cortado.train.PromptCompletion e : DemoQa.examples(part)) longest = Math.max(longest, e.length() - 1);
        return longest;
    }

    /** The question set: a file in {@link DemoQa}'s format, or {@code -} for the one embedded in the jar. */
    static DemoQa.Split questions(String data) throws IOException {
        if (data.equals("-")) return DemoQa.load();
        Path f = Path.of(data);
        if (!Files.isRegularFile(f)) throw new CliException(data + ": no such file");
        return DemoQa.parse(Files.readString(f), data);
    }

    /** The pretraining text the forgetting loss is scored on, as bytes, cut to --corpus-tokens. */
    private static TokenData corpus(Args a) throws IOException, UsageException {
        String spec = a.string("corpus");
        TokenData all;
        if (spec.equals("-")) {
            TokenData text = TokenData.of(new ByteTokenizer().encode(DemoCommand.corpus()), "demo corpus");
            all = TrainingRun.splitTail(text, 0.1, DemoCommand.SEQ)[1];
        } else {
            Path f = Path.of(spec);
            if (!Files.isRegularFile(f)) throw new CliException(spec + ": no such file");
            all = TokenData.of(new ByteTokenizer().encode(Files.readString(f)), spec);
        }
        long n = Math.min(all.size(), a.positiveInt("corpus-tokens") + 1L);
        return all.slice(0, n);
    }

    /** The median, or NaN for none. */
    static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        double[] v = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
