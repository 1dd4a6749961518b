package cortado.train.tasks;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;
import cortado.train.MetricsLog;
import cortado.train.StepMetrics;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Training in epochs with evaluation after each (transformers' Trainer with {@code eval_strategy="epoch"},
 * {@code load_best_model_at_end} keeping the best directory, and an {@link EarlyStopping} callback): every step's
 * line goes to metrics.jsonl as in the other recipes, then after each epoch one line
 * {@code {"epoch", "step", "val_<metric>"...}}; when the watched metric improves, the model is written to
 * {@code bestDir} (a temporary directory renamed into place, with {@value #BEST_METRICS} holding the epoch and its
 * metrics); when patience runs out, training stops.
 */
public final class EpochTraining {
    public static final String BEST_METRICS = "best_metrics.json";

    /** What a run did. */
    public record Result(int epochsRun, int bestEpoch, double best, boolean stoppedEarly,
                         List<Map<String, Double>> perEpoch) {}

    private EpochTraining() {}

    /**
     * @param batchesPerEpoch steps per epoch (the trainer's config must have epochs x this many steps)
     * @param evaluate        the validation metrics after an epoch
     * @param writeModel      writes the model's files into a directory (for the best one); null: no best kept
     * @param onStep          told about every step (progress), or null
     */
    public static Result run(Trainer trainer, int epochs, int batchesPerEpoch, Supplier<Map<String, Double>> evaluate,
                             EarlyStopping stopping, MetricsLog log, Path bestDir, Consumer<Path> writeModel,
                             Consumer<StepMetrics> onStep) {
        List<Map<String, Double>> perEpoch = new ArrayList<>();
        boolean stopped = false;
        int epoch = 0;
        while (epoch < epochs && !stopped) {
            epoch++;
            for (int i = 0; i < batchesPerEpoch; i++) {
                StepMetrics m = trainer.step();
                if (log != null) log.log(m, trainer.extraMetrics(m));
                if (onStep != null) onStep.accept(m);
            }
            Map<String, Double> metrics = evaluate.get();
            perEpoch.add(metrics);
            Double watched = metrics.get(stopping.metric());
            if (watched == null)
                throw new IllegalArgumentException("the evaluation reports " + metrics.keySet() + ", not " + stopping.metric());
            boolean improved = stopping.update(epoch, watched);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", epoch);
            row.put("step", trainer.completedSteps());
            metrics.forEach((k, v) -> row.put("val_" + k, v));
            row.put("best", improved);
            if (log != null) log.logRow(row);
            if (improved && writeModel != null) writeBest(bestDir, writeModel, row);
            stopped = stopping.shouldStop();
        }
        return new Result(epoch, stopping.bestEpoch(), stopping.best(), stopped && epoch < epochs, perEpoch);
    }

    private static void writeBest(Path dir, Consumer<Path> writeModel, Map<String, Object> row) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            writeModel.accept(tmp);
            Files.writeString(tmp.resolve(BEST_METRICS), Json.write(row) + "\n", StandardCharsets.UTF_8);
            deleteTree(dir);
            AtomicFiles.move(tmp, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the best model (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
