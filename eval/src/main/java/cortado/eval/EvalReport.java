package cortado.eval;

import cortado.nn.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's directory: {@code results.json} ({@link ResultsJson}), {@code metrics.png} ({@link MetricBarChart})
 * and {@code report.md}, a table of the metrics with their standard errors, the chart, the settings, and per task the
 * first documents with each choice's log-likelihood; then any further {@link ReportSection}s (the bias probes'
 * tables and {@code bias.png}). Each file is written to a temp file and renamed.
 */
public final class EvalReport {
    static final int EXAMPLES = 3;

    private EvalReport() {}

    public static void write(Path dir, List<Evaluator.TaskResult> results, Map<String, Object> json) {
        write(dir, results, List.of(), json);
    }

    /** Tasks (possibly none) and then further sections (the bias probes', ...) with their charts. */
    public static void write(Path dir, List<Evaluator.TaskResult> results, List<ReportSection> sections, Map<String, Object> json) {
        Map<String, BufferedImage> charts = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("# Evaluation report\n\n");
        if (!results.isEmpty()) {
            List<MetricBarChart.Bar> bars = new ArrayList<>();
            List<String> metrics = new ArrayList<>();
            for (Evaluator.TaskResult r : results)
                for (var e : r.metrics().entrySet()) {
                    bars.add(new MetricBarChart.Bar(r.task().name(), e.getKey(), e.getValue().mean(), e.getValue().stderr()));
                    if (!metrics.contains(e.getKey())) metrics.add(e.getKey());
                }
            charts.put("metrics.png", MetricBarChart.render("accuracy per task", bars, metrics));
            md.append(markdown(results, json));
        } else {
            md.append(settings(json));
        }
        for (ReportSection s : sections) {
            charts.putAll(s.charts());
            md.append(s.markdown());
        }
        writeFiles(dir, json, charts, md.toString());
    }

    /** results.json, each chart as a PNG and report.md, each written to a temp file and renamed. */
    public static void writeFiles(Path dir, Map<String, Object> json, Map<String, BufferedImage> charts, String markdown) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot create the output directory", e);
        }
        AtomicFiles.write(dir.resolve("results.json"), ResultsJson.pretty(json).getBytes(StandardCharsets.UTF_8));
        for (var c : charts.entrySet()) {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try {
                if (!ImageIO.write(c.getValue(), "png", png)) throw new IOException("no PNG writer");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            AtomicFiles.write(dir.resolve(c.getKey()), png.toByteArray());
        }
        AtomicFiles.write(dir.resolve("report.md"), markdown.getBytes(StandardCharsets.UTF_8));
    }

    static String markdown(List<Evaluator.TaskResult> results, Map<String, Object> json) {
        StringBuilder b = new StringBuilder();
        b.append("| task | version | shots | documents | metric | value | stderr |\n|---|---|---|---|---|---|---|\n");
        for (Evaluator.TaskResult r : results)
            for (var e : r.metrics().entrySet())
                b.append("| ").append(r.task().name()).append(" | ").append(r.task().config().version()).append(" | ")
                        .append(r.shots()).append(" | ").append(r.effective())
                        .append(r.effective() < r.original() ? " of " + r.original() : "").append(" | ").append(e.getKey())
                        .append(" | ").append(f(e.getValue().mean())).append(" | ")
                        .append(Double.isNaN(e.getValue().stderr()) ? "N/A" : f(e.getValue().stderr())).append(" |\n");
        b.append("\n![accuracy per task](metrics.png)\n\n");
        b.append("acc: the choice with the highest log-likelihood is the answer; acc_norm: the highest log-likelihood per"
                + " character of the choice (lm-eval-harness's definitions). stderr: the sample standard deviation over"
                + " sqrt(n).\n\n");
        b.append(settings(json));
        for (Evaluator.TaskResult r : results) {
            b.append("\n## ").append(r.task().name()).append(": first documents\n");
            for (Evaluator.DocResult d : r.docs().subList(0, Math.min(EXAMPLES, r.docs().size()))) {
                b.append("\n```text\n").append(tail(d.context())).append("\n```\n\n| choice | log-likelihood | per char |  |\n|---|---|---|---|\n");
                int picked = argmax(d.logLikelihoods());
                for (int j = 0; j < d.choices().size(); j++) {
                    String c = d.choices().get(j);
                    b.append("| `").append(c.replace("|", "\\|").replace("`", "'")).append("` | ").append(f(d.logLikelihoods()[j]))
                            .append(" | ").append(f(d.logLikelihoods()[j] / Math.max(1, c.codePointCount(0, c.length()))))
                            .append(" | ").append(j == d.gold() ? "gold" : "").append(j == picked ? (j == d.gold() ? ", " : "") + "picked" : "")
                            .append(" |\n");
                }
            }
        }
        return b.toString();
    }

    /** The run's settings (results.json's "config") as a list. */
    public static String settings(Map<String, Object> json) {
        StringBuilder b = new StringBuilder("## Settings\n\n");
        if (json.get("config") instanceof Map<?, ?> c) c.forEach((k, v) -> b.append("- ").append(k).append(": `").append(v).append("`\n"));
        return b.toString();
    }

    /** The end of a long prompt (its few-shot examples cut), so the table stays readable. */
    private static String tail(String ctx) {
        String s = ctx.replace("```", "'''");
        return s.length() <= 400 ? s : "..." + s.substring(s.length() - 400);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static String f(double v) { return String.format(Locale.ROOT, "%.4f", v); }
}
