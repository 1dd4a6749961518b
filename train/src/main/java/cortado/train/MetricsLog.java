package cortado.train;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per optimizer step ({@code step, loss, lr, grad_norm, tokens_per_s, step_ms},
 * plus {@code val_loss} when validation ran), flushed line by line so a crash loses at most the step in flight.
 */
public final class MetricsLog implements Closeable {
    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Starts a new log, replacing any old one. */
    public static MetricsLog create(Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    /**
     * Continues a log after resuming from step {@code lastStep}: lines for later steps (written after the checkpoint
     * by a run that then died) are dropped, so the file again describes one run.
     */
    public static MetricsLog resume(Path file, int lastStep) throws IOException {
        if (!Files.exists(file)) return create(file);
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            Object step;
            try {
                step = Json.parseObject(line).get("step");
            } catch (RuntimeException e) {
                continue; // a torn last line from a crash
            }
            if (step instanceof Number n && n.longValue() <= lastStep) keep.add(line);
        }
        AtomicFiles.write(file, tmp -> Files.write(tmp, keep, StandardCharsets.UTF_8));
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    public Path file() { return file; }

    /** The JSON object for one step. */
    public static Map<String, Object> toJson(StepMetrics m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("step", m.step());
        o.put("loss", m.loss());
        o.put("lr", m.lr());
        o.put("grad_norm", m.gradNorm());
        o.put("tokens_per_s", round(m.tokensPerSecond(), 1));
        o.put("step_ms", round(m.stepMillis(), 3));
        if (m.hasValLoss()) o.put("val_loss", m.valLoss());
        return o;
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }

    public void log(StepMetrics m) { log(m, Map.of()); }

    /** One step's line with {@code extra} fields after the usual ones (a data mix's per-source counts). */
    public void log(StepMetrics m, Map<String, Object> extra) {
        Map<String, Object> row = toJson(m);
        row.putAll(extra);
        logRow(row);
    }

    /** A line of its own, e.g. an epoch's validation metrics ({@code {"epoch": 2, "step": 40, "val_accuracy": ...}}). */
    public void logRow(Map<String, Object> row) {
        try {
            out.write(Json.write(row));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write metrics (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a metrics file back (for plots and tests). */
    public static List<Map<String, Object>> read(Path file) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            if (!line.isBlank()) rows.add(Json.parseObject(line));
        return rows;
    }

    @Override
    public void close() throws IOException { out.close(); }
}
