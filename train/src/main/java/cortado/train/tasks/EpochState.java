package cortado.train.tasks;

import cortado.data.json.Json;
import cortado.nn.io.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an epoch run adds to a training checkpoint ({@value #FILE}, next to {@code trainer_state.json}): the
 * validation metrics of the epochs done, the early-stopping state (best value, its epoch, evaluations since) and
 * whether patience already ran out, so a resumed run evaluates, keeps the best directory and stops exactly as the
 * uninterrupted one. Metrics are written with Java's shortest round-trip decimals, so they read back bit for bit
 * (a non-finite value is written as null and read as NaN).
 *
 * @param batchesPerEpoch steps per epoch of the run that wrote it (other data would not continue it)
 * @param perEpoch        each finished epoch's validation metrics, in order
 */
public record EpochState(int batchesPerEpoch, String metric, List<Map<String, Double>> perEpoch, double best,
                         int bestEpoch, int worse, boolean stopped) {
    public static final String FILE = "epoch_state.json";
    public static final String FORMAT = "cortado-epoch-state-1";

    /** The state after {@code perEpoch.size()} epochs watched by {@code stopping}. */
    static EpochState of(int batchesPerEpoch, EarlyStopping stopping, List<Map<String, Double>> perEpoch, boolean stopped) {
        return new EpochState(batchesPerEpoch, stopping.metric(), List.copyOf(perEpoch), stopping.best(),
                stopping.bestEpoch(), stopping.worse(), stopped);
    }

    /** Writes {@value #FILE} into the (temporary) checkpoint directory {@code dir}. */
    public void write(Path dir) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("batches_per_epoch", batchesPerEpoch);
        json.put("metric", metric);
        json.put("epochs", perEpoch);
        json.put("best", best);
        json.put("best_epoch", bestEpoch);
        json.put("worse", worse);
        json.put("stopped", stopped);
        try {
            Files.writeString(dir.resolve(FILE), Json.write(json) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write " + FILE + " (" + e.getMessage() + ")", e);
        }
    }

    /** Reads {@value #FILE} from checkpoint {@code dir}; a missing or malformed file is a {@link CheckpointException}. */
    public static EpochState read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file))
            throw new CheckpointException(file + ": missing; " + dir + " is not the checkpoint of an epoch run"
                    + " (--head or --objective mlm)");
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!FORMAT.equals(json.get("format")))
            throw new CheckpointException(file + ": unknown format " + json.get("format") + ", expected " + FORMAT);
        if (!(json.get("epochs") instanceof List<?> epochs))
            throw new CheckpointException(file + ": field epochs is missing or not a list");
        List<Map<String, Double>> perEpoch = new ArrayList<>();
        for (Object e : epochs) {
            if (!(e instanceof Map<?, ?> m)) throw new CheckpointException(file + ": an entry of epochs is not an object");
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (var kv : m.entrySet()) metrics.put(String.valueOf(kv.getKey()), number(kv.getValue(), "epochs", file));
            perEpoch.add(metrics);
        }
        if (!(json.get("metric") instanceof String metric)) throw new CheckpointException(file + ": field metric is missing");
        if (!(json.get("stopped") instanceof Boolean stopped)) throw new CheckpointException(file + ": field stopped is missing");
        return new EpochState(count(json, "batches_per_epoch", file), metric, perEpoch, number(json.get("best"), "best", file),
                (int) number(json.get("best_epoch"), "best_epoch", file), count(json, "worse", file), stopped);
    }

    private static double number(Object v, String field, Path file) {
        if (v == null) return Double.NaN;
        if (v instanceof Number n) return n.doubleValue();
        throw new CheckpointException(file + ": field " + field + " holds " + v + ", not a number");
    }

    private static int count(Map<String, Object> json, String field, Path file) {
        if (!(json.get(field) instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue()))
            throw new CheckpointException(file + ": field " + field + " is missing or not a non-negative integer");
        return n.intValue();
    }
}
