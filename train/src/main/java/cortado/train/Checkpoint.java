package cortado.train;

import cortado.data.json.Json;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.quant.BnbCheckpoint;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A training checkpoint: a Hugging Face model directory ({@code config.json}, {@code model.safetensors}; in the
 * transformers + bitsandbytes layout when the model has quantized layers) that any HF tool can load, plus what
 * resuming needs:
 * <ul>
 *   <li>{@code optimizer.safetensors}: the optimizer's state ({@link Optimizer#saveState}): AdamW's moments as
 *   {@code exp_avg.NAME} and {@code exp_avg_sq.NAME} (PyTorch's state names), float32; the 8-bit ones' codes and
 *   scales under bitsandbytes' names; metadata {@code optimizer} and {@code step};</li>
 *   <li>{@code trainer_state.json}: completed steps, the data order and the data position (cursor or RNG state).</li>
 * </ul>
 * Written atomically: everything goes into {@code DIR.tmp}, then the old {@code DIR} is moved to {@code DIR.old}, the
 * new one renamed into place, and the old one deleted. A crash at any point leaves a complete checkpoint in
 * {@code DIR} or (between the two renames) in {@code DIR.old}, which {@link #locate} finds.
 */
public final class Checkpoint {
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    public static final String FORMAT = "cortado-trainer-state-1";

    /** Saves the state of a trainer somewhere. */
    @FunctionalInterface
    public interface Writer { void save(Trainer trainer); }

    /**
     * Writes the model part of a checkpoint into the (temporary) checkpoint directory: the whole model by default
     * ({@link #WHOLE_MODEL}), or only what trains, such as a PEFT adapter, when the frozen base is loaded again from
     * where it came from on resume.
     */
    @FunctionalInterface
    public interface ModelFiles { void write(CausalLm model, Path dir); }

    /** The Hugging Face model directory; a frozen quantized base in its bitsandbytes layout, its weights unchanged. */
    public static final ModelFiles WHOLE_MODEL = (model, dir) -> {
        if (QuantizedCheckpoint.isQuantized(model)) QuantizedCheckpoint.save(model, dir);
        else HfCheckpoint.save(model, dir);
    };

    private Checkpoint() {}

    /** A writer that saves into {@code dir} atomically. */
    public static Writer to(Path dir) { return t -> save(t, dir, null); }

    /** A writer that also lets {@code extraFiles} add files (e.g. tokenizer.json) to the directory before it is renamed. */
    public static Writer to(Path dir, Consumer<Path> extraFiles) { return t -> save(t, dir, extraFiles); }

    /** A writer whose model part is {@code model} (e.g. an adapter only), plus {@code extraFiles} (nullable). */
    public static Writer to(Path dir, ModelFiles model, Consumer<Path> extraFiles) {
        return t -> save(t, dir, model, extraFiles);
    }

    /** Writes the model, optimizer and trainer state of {@code trainer} to {@code dir} atomically. */
    public static void save(Trainer trainer, Path dir) { save(trainer, dir, null); }

    /**
     * As {@link #save(Trainer, Path)}; {@code extraFiles} (nullable) is called with the temporary directory after the
     * checkpoint files are written and before it is renamed into place.
     */
    public static void save(Trainer trainer, Path dir, Consumer<Path> extraFiles) {
        save(trainer, dir, WHOLE_MODEL, extraFiles);
    }

    /** As {@link #save(Trainer, Path, Consumer)} with the model part written by {@code modelFiles}. */
    public static void save(Trainer trainer, Path dir, ModelFiles modelFiles, Consumer<Path> extraFiles) {
        Path tmp = sibling(dir, ".tmp"), old = sibling(dir, ".old");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            modelFiles.write(trainer.model(), tmp);

            Optimizer opt = trainer.optimizer();
            opt.saveState(tmp.resolve(OPTIMIZER_FILE));

            Map<String, Object> state = new LinkedHashMap<>();
            state.put("format", FORMAT);
            state.put("step", trainer.completedSteps());
            state.put("optimizer_step", opt.stepCount());
            state.put("data_order", trainer.batches().isSequential() ? "sequential" : "random");
            state.put("data_state", Long.toString(trainer.batches().state())); // a string: JSON numbers are doubles
            TrainConfig c = trainer.config();
            int ranks = trainer.collective().size();
            state.put("batch", c.batch() * ranks);   // the global batch: the data position counts its rows
            state.put("ranks", ranks);
            state.put("seq", c.seq());
            state.put("grad_accum", c.gradAccum());
            state.put("seed", Long.toString(c.seed()));
            Files.writeString(tmp.resolve(STATE_FILE), Json.write(state) + "\n", StandardCharsets.UTF_8);
            if (extraFiles != null) extraFiles.accept(tmp);

            if (Files.exists(dir)) {
                deleteTree(old);
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** The complete checkpoint directory at {@code dir} (or the {@code .old} one a crash left), or null. */
    public static Path locate(Path dir) {
        if (Files.isRegularFile(dir.resolve(STATE_FILE))) return dir;
        Path old = sibling(dir, ".old");
        if (Files.isRegularFile(old.resolve(STATE_FILE))) return old;
        return null;
    }

    /** Loads the model of a checkpoint directory (with its quantized layers, when it was saved with some). */
    public static CausalLm loadModel(Path dir) {
        return BnbCheckpoint.isQuantized(dir) ? QuantizedCheckpoint.load(dir) : HfCheckpoint.load(dir);
    }

    /**
     * Restores optimizer moments, step and data position into a trainer built on the checkpoint's model. The global
     * batch shape (--batch times the ranks) must match, since the data position counts in B·T windows; the number of
     * ranks may differ (N ranks of B/N rows draw the rows of one rank of B).
     */
    public static void restore(Trainer trainer, Path dir) {
        Path stateFile = dir.resolve(STATE_FILE);
        Map<String, Object> state;
        try {
            state = Json.parseObject(Files.readString(stateFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(stateFile + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new CheckpointException(stateFile + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!FORMAT.equals(state.get("format")))
            throw new CheckpointException(stateFile + ": unknown format " + state.get("format") + ", expected " + FORMAT);
        int step = intField(state, "step", stateFile);
        int optStep = intField(state, "optimizer_step", stateFile);
        String order = String.valueOf(state.get("data_order"));
        String wantOrder = trainer.batches().isSequential() ? "sequential" : "random";
        if (!order.equals(wantOrder))
            throw new CheckpointException(stateFile + ": checkpoint used --data-order " + order + ", this run "
                    + wantOrder);
        TrainConfig c = trainer.config();
        int b = intField(state, "batch", stateFile), t = intField(state, "seq", stateFile);
        int ranks = trainer.collective().size();
        if (b != c.batch() * ranks || t != c.seq())
            throw new CheckpointException(stateFile + ": checkpoint used a batch of " + b + " rows (--batch times the"
                    + " ranks) and --seq " + t + ", this run " + c.batch() * ranks + " rows" + (ranks > 1 ? " (--batch "
                    + c.batch() + " x " + ranks + " ranks)" : "") + " and --seq " + c.seq());
        long dataState;
        try {
            dataState = Long.parseLong(String.valueOf(state.get("data_state")));
        } catch (NumberFormatException e) {
            throw new CheckpointException(stateFile + ": field data_state is not an integer");
        }

        Path optFile = dir.resolve(OPTIMIZER_FILE);
        trainer.optimizer().loadState(optFile);
        if (trainer.optimizer().stepCount() != optStep)
            throw new CheckpointException(optFile + ": optimizer step " + trainer.optimizer().stepCount() + " differs from "
                    + stateFile + "'s optimizer_step " + optStep);
        try {
            trainer.batches().restore(dataState);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
        trainer.restoreStep(step);
    }

    private static int intField(Map<String, Object> state, String name, Path file) {
        if (!(state.get(name) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 0)
            throw new CheckpointException(file + ": field " + name + " is missing or not a non-negative integer");
        return n.intValue();
    }

    private static Path sibling(Path dir, String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
