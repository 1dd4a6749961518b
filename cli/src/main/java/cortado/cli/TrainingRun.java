package cortado.cli;

import cortado.train.Checkpoint;
import cortado.train.MetricsLog;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One training run as the CLI does it (pretrain, finetune and demo share it): a {@link Trainer} with metrics.jsonl, a progress
 * bar, a checkpoint in {@code OUT/checkpoint} and loss.png at the end.
 */
final class TrainingRun {
    static final String CHECKPOINT_DIR = "checkpoint", METRICS_FILE = "metrics.jsonl", PLOT_FILE = "loss.png";

    /** Validation losses seen: the first and the last (NaN when validation is off). */
    record Result(int steps, float firstValLoss, float lastValLoss, float lastLoss, double seconds) {}

    private TrainingRun() {}

    /**
     * Restores {@code trainer} from {@code checkpoint} ({@code --resume}) and returns the step it is at, or -1 when
     * there is no checkpoint (a fresh run); a checkpoint already at or past {@code --steps} is a one-line error.
     */
    static int resume(Trainer trainer, Path checkpoint) {
        if (checkpoint == null) return -1;
        Checkpoint.restore(trainer, checkpoint);
        int step = trainer.completedSteps();
        if (step >= trainer.config().steps())
            throw new CliException("--resume: the checkpoint is at step " + step + ", not before --steps "
                    + trainer.config().steps());
        return step;
    }

    /**
     * Trains {@code trainer} (fresh or restored) to its configured steps.
     *
     * @param resumedFrom the step the trainer was restored at, or -1 for a fresh run
     */
    static Result run(Trainer trainer, Path out, int resumedFrom, String title, PrintStream console) throws IOException {
        return run(trainer, out, resumedFrom, title, console, null);
    }

    /** As above; {@code extraFiles} adds files to each checkpoint (see {@link Checkpoint#save(Trainer, Path, Consumer)}). */
    static Result run(Trainer trainer, Path out, int resumedFrom, String title, PrintStream console,
                      Consumer<Path> extraFiles) throws IOException {
        return run(trainer, out, resumedFrom, title, console, Checkpoint.WHOLE_MODEL, extraFiles);
    }

    /** As above with the model part of each checkpoint written by {@code modelFiles} (an adapter, for fine-tuning). */
    static Result run(Trainer trainer, Path out, int resumedFrom, String title, PrintStream console,
                      Checkpoint.ModelFiles modelFiles, Consumer<Path> extraFiles) throws IOException {
        Files.createDirectories(out);
        TrainConfig cfg = trainer.config();
        Path metricsFile = out.resolve(METRICS_FILE);
        float[] first = {Float.NaN}, last = {Float.NaN}, lastLoss = {Float.NaN};
        double[] trainingPeak = {-1};
        long t0 = System.nanoTime();
        boolean writer = trainer.collective().rank() == 0;   // data parallel: rank 0 writes the run's files
        try (MetricsLog log = !writer ? null
                : resumedFrom >= 0 ? MetricsLog.resume(metricsFile, resumedFrom) : MetricsLog.create(metricsFile)) {
            ProgressBar bar = ProgressBar.forStdout(cfg.steps());
            trainer.run(log, Checkpoint.to(out.resolve(CHECKPOINT_DIR), modelFiles, extraFiles), (m, total) -> {
                if (m.hasValLoss()) {
                    if (Float.isNaN(first[0])) first[0] = m.valLoss();
                    last[0] = m.valLoss();
                }
                lastLoss[0] = m.loss();
                if (m.step() == total) trainingPeak[0] = PeakRss.megabytes();   // before the final checkpoint
                bar.onStep(m, total);
            });
            bar.finish();
        }
        printPeakRss(trainer, trainingPeak[0], console);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (writer) writePlot(metricsFile, out.resolve(PLOT_FILE), title, console);
        return new Result(trainer.completedSteps(), first[0], last[0], lastLoss[0], seconds);
    }

    /**
     * Every rank's peak resident memory (VmHWM) after the last step and with the final checkpoint (gathered on rank 0
     * under ZeRO), so a data-parallel run shows what each rank held; nothing where /proc/self/status has no VmHWM.
     */
    private static void printPeakRss(Trainer trainer, double afterSteps, PrintStream console) {
        double end = PeakRss.megabytes();
        if (end < 0 || afterSteps < 0) return;
        var c = trainer.collective();
        PrintStream to = c.rank() == 0 ? console : System.err;   // the other ranks' stdout is closed
        to.printf(Locale.ROOT, "%speak RSS (VmHWM): %,.0f MiB after the last step, %,.0f MiB with the final checkpoint%n",
                c.size() > 1 ? "rank " + c.rank() + " of " + c.size() + ": " : "", afterSteps, end);
    }

    /** loss.png from metrics.jsonl (so a resumed run plots its whole history). A plot failure only warns. */
    static void writePlot(Path metricsFile, Path png, String title, PrintStream console) {
        try {
            List<LossPlot.Point> train = new ArrayList<>(), val = new ArrayList<>();
            for (Map<String, Object> row : MetricsLog.read(metricsFile)) {
                double step = ((Number) row.get("step")).doubleValue();
                if (row.get("loss") instanceof Number l) train.add(new LossPlot.Point(step, l.doubleValue()));
                if (row.get("val_loss") instanceof Number v) val.add(new LossPlot.Point(step, v.doubleValue()));
            }
            LossPlot.write(png, title, train, val);
        } catch (IOException | RuntimeException | LinkageError e) {
            console.println("warning: could not draw " + png + " (" + e + ")");
        }
    }

    /** ", on each of N ranks (LIBRARY)" for a data-parallel run, else empty: the run line's tail. */
    static String ranks(Trainer trainer) {
        var c = trainer.collective();
        int zero = trainer.config().zero();
        return c.size() == 1 ? (zero > 0 ? ", ZeRO-" + zero + " on 1 rank" : "")
                : String.format(Locale.ROOT, " on each of %d ranks (%s), a global batch of %d rows%s",
                c.size(), c.name(), trainer.config().batch() * c.size(), zero > 0 ? ", ZeRO-" + zero : "");
    }

    /** "1.23M" for a parameter or token count. */
    static String count(long n) {
        if (n >= 1_000_000_000) return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        if (n >= 1_000_000) return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        if (n >= 10_000) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        return Long.toString(n);
    }

    /** Splits off a validation tail: the last {@code fraction} of the tokens (never the head). */
    static TokenData[] splitTail(TokenData data, double fraction, int seq) {
        long n = data.size();
        long valSize = Math.max(seq + 1L, (long) (n * fraction));
        if (n - valSize < seq + 1L)
            throw new CliException(data.source() + ": holds " + n + " tokens, too few to hold out a validation tail of "
                    + valSize + " and still train on windows of " + (seq + 1) + "; pass --val-data or --val-every 0");
        return new TokenData[] {data.slice(0, n - valSize), data.slice(n - valSize, n)};
    }
}
