package cortado.train.tasks;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.CheckpointException;
import cortado.train.Checkpoint;
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
 *
 * <p>With {@link Saving} the run writes a training checkpoint ({@link Checkpoint}: model, optimizer, step, data
 * position, plus {@link EpochState}) after each epoch's evaluation and every {@code saveEvery} steps within an epoch;
 * {@link #resume} restores one, and {@link #run} then continues mid-epoch or at the next epoch as if never stopped.
 * The epoch-end checkpoint is written after the best directory, so a crash between the two redoes that epoch's
 * evaluation (the same numbers) and writes the best directory again.
 */
public final class EpochTraining {
    public static final String BEST_METRICS = "best_metrics.json";

    /** What a run did. */
    public record Result(int epochsRun, int bestEpoch, double best, boolean stoppedEarly,
                         List<Map<String, Double>> perEpoch) {}

    /**
     * Where and how often a run checkpoints.
     *
     * @param dir        the checkpoint directory (written atomically, {@link Checkpoint#save})
     * @param modelFiles writes the model part (the whole model, or an adapter); its model argument is null
     * @param extraFiles adds files such as the tokenizer's (nullable)
     * @param saveEvery  also checkpoint every N steps inside an epoch; 0: only after each epoch
     */
    public record Saving(Path dir, Checkpoint.ModelFiles modelFiles, Consumer<Path> extraFiles, int saveEvery) {
        public Saving {
            if (saveEvery < 0) throw new IllegalArgumentException("saveEvery must be >= 0, got " + saveEvery);
        }
    }

    private EpochTraining() {}

    /** As {@link #run(Trainer, int, int, Supplier, EarlyStopping, MetricsLog, Path, Consumer, Consumer, Saving, EpochState)} without checkpoints, from the start. */
    public static Result run(Trainer trainer, int epochs, int batchesPerEpoch, Supplier<Map<String, Double>> evaluate,
                             EarlyStopping stopping, MetricsLog log, Path bestDir, Consumer<Path> writeModel,
                             Consumer<StepMetrics> onStep) {
        return run(trainer, epochs, batchesPerEpoch, evaluate, stopping, log, bestDir, writeModel, onStep, null, null);
    }

    /**
     * @param batchesPerEpoch steps per epoch (the trainer's config must have epochs x this many steps)
     * @param evaluate        the validation metrics after an epoch
     * @param writeModel      writes the model's files into a directory (for the best one); null: no best kept
     * @param onStep          told about every step (progress), or null
     * @param saving          training checkpoints, or null for none
     * @param resumed         the state {@link #resume} restored (the trainer then stands at its step), or null for
     *                        a fresh run
     */
    public static Result run(Trainer trainer, int epochs, int batchesPerEpoch, Supplier<Map<String, Double>> evaluate,
                             EarlyStopping stopping, MetricsLog log, Path bestDir, Consumer<Path> writeModel,
                             Consumer<StepMetrics> onStep, Saving saving, EpochState resumed) {
        List<Map<String, Double>> perEpoch = new ArrayList<>(resumed == null ? List.of() : resumed.perEpoch());
        int done = trainer.completedSteps();
        if (resumed == null && done != 0)
            throw new IllegalStateException("the trainer is at step " + done + " but no epoch state was restored");
        boolean stopped = false;
        int epoch = done / batchesPerEpoch, within = done % batchesPerEpoch;
        while (epoch < epochs && !stopped) {
            epoch++;
            for (int i = within; i < batchesPerEpoch; i++) {
                StepMetrics m = trainer.step();
                if (log != null) log.log(m, trainer.extraMetrics(m));
                if (onStep != null) onStep.accept(m);
                boolean epochEnd = i == batchesPerEpoch - 1;   // that checkpoint follows the evaluation
                if (saving != null && !epochEnd && saving.saveEvery() > 0 && trainer.completedSteps() % saving.saveEvery() == 0)
                    save(trainer, saving, EpochState.of(batchesPerEpoch, stopping, perEpoch, false));
            }
            within = 0;
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
            if (saving != null) save(trainer, saving, EpochState.of(batchesPerEpoch, stopping, perEpoch, stopped));
        }
        return new Result(epoch, stopping.bestEpoch(), stopping.best(), stopped && epoch < epochs, perEpoch);
    }

    /**
     * Restores {@code trainer} (model already loaded by the caller; optimizer, step and data position here) and
     * {@code stopping} from the checkpoint {@code dir}, and returns its epoch state for {@link #run}. A checkpoint of
     * other data (another number of batches per epoch), of a run that already stopped early, or with no epochs
     * left under {@code epochs} is a {@link CheckpointException} saying so.
     */
    public static EpochState resume(Trainer trainer, Path dir, EarlyStopping stopping, int batchesPerEpoch, int epochs) {
        EpochState state = EpochState.read(dir);
        if (state.batchesPerEpoch() != batchesPerEpoch)
            throw new CheckpointException(dir + ": the run had " + state.batchesPerEpoch() + " steps per epoch, this one "
                    + batchesPerEpoch + " (other data, --batch or split)");
        if (!state.metric().equals(stopping.metric()))
            throw new CheckpointException(dir + ": the run kept its best epoch by " + state.metric() + ", this one by "
                    + stopping.metric());
        Checkpoint.restore(trainer, dir);
        int step = trainer.completedSteps(), epochsDone = step / batchesPerEpoch;
        if (state.perEpoch().size() != epochsDone)
            throw new CheckpointException(dir + ": step " + step + " is in epoch " + (epochsDone + 1) + ", but "
                    + EpochState.FILE + " holds " + state.perEpoch().size() + " finished epochs");
        if (state.stopped())
            throw new CheckpointException(dir + ": the run already stopped early after epoch " + epochsDone
                    + " (patience ran out); nothing to resume");
        if (epochsDone >= epochs)
            throw new CheckpointException(dir + ": the checkpoint is at the end of epoch " + epochsDone + ", not before"
                    + " --epochs " + epochs);
        stopping.restore(state.best(), state.bestEpoch(), state.worse());
        return state;
    }

    private static void save(Trainer trainer, Saving saving, EpochState state) {
        Checkpoint.save(trainer, saving.dir(), saving.modelFiles(), d -> {
            if (saving.extraFiles() != null) saving.extraFiles().accept(d);
            state.write(d);
        });
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
