package cortado.cli;

import cortado.eval.MetricBarChart;
import cortado.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * {@code cortado peft-compare}'s outputs: the rows as a Markdown table, as CSV (full precision, empty where the
 * frozen row has no value), and a bar chart of each method's held-out exact match (whisker: one binomial standard
 * error) beside its trainable fraction; each file written to a temp file and renamed.
 */
final class PeftCompareTable {
    static final String MARKDOWN = "table.md", CSV = "table.csv", CHART = "chart.png";
    static final String CSV_HEADER = "method,lr,trainable_params,all_params,trainable_pct,peak_rss_mb,median_step_ms,"
            + "tokens_per_s,heldout_loss,exact_match,heldout_pairs,corpus_loss,train_s";

    private PeftCompareTable() {}

    /** The three files; {@code notes} (settings that differ from a row's defaults) go under the Markdown table. */
    static void write(Path out, String title, List<PeftCompareRow> rows, List<String> notes) throws IOException {
        StringBuilder md = new StringBuilder(markdown(rows));
        if (!notes.isEmpty()) md.append('\n');
        for (String n : notes) md.append("- ").append(n).append('\n');
        AtomicFiles.write(out.resolve(MARKDOWN), tmp -> Files.writeString(tmp, md, StandardCharsets.UTF_8));
        AtomicFiles.write(out.resolve(CSV), tmp -> Files.writeString(tmp, csv(rows), StandardCharsets.UTF_8));
        System.setProperty("java.awt.headless", "true");
        var img = MetricBarChart.render(title, bars(rows), List.of("exact match", "trainable fraction"));
        AtomicFiles.write(out.resolve(CHART), tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
        });
    }

    static String markdown(List<PeftCompareRow> rows) {
        StringBuilder b = new StringBuilder("| method | trainable params | trainable % | peak RSS (MB) | median step (ms)"
                + " | tokens/s | held-out loss | exact match | corpus loss after (forgetting) |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (PeftCompareRow r : rows)
            b.append(String.format(Locale.ROOT, "| %s | %,d | %s | %.0f | %s | %s | %.4f | %.1f%% | %.4f |%n", r.method(),
                    r.trainable(), percent(r.trainablePercent()), r.peakRssMb(), fixed(r.medianStepMs(), 1),
                    fixed(r.tokensPerS(), 0), r.heldOutLoss(), 100 * r.exactMatch(), r.corpusLoss()));
        return b.toString();
    }

    /** Enough digits that BitFit's or VeRA's share reads as more than zero. */
    static String percent(double p) {
        if (p == 0 || p >= 10) return String.format(Locale.ROOT, "%.1f", p);
        return String.format(Locale.ROOT, p >= 0.1 ? "%.2f" : "%.4f", p);
    }

    private static String fixed(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String csv(List<PeftCompareRow> rows) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (PeftCompareRow r : rows)
            b.append(String.join(",", r.method(), cell(r.lr()), Long.toString(r.trainable()), Long.toString(r.all()),
                    cell(r.trainablePercent()), cell(r.peakRssMb()), cell(r.medianStepMs()), cell(r.tokensPerS()),
                    cell(r.heldOutLoss()), cell(r.exactMatch()), Integer.toString(r.heldOutPairs()),
                    cell(r.corpusLoss()), cell(r.trainSeconds()))).append('\n');
        return b.toString();
    }

    private static String cell(double v) { return Double.isNaN(v) ? "" : Double.toString(v); }

    private static List<MetricBarChart.Bar> bars(List<PeftCompareRow> rows) {
        List<MetricBarChart.Bar> bars = new ArrayList<>();
        for (PeftCompareRow r : rows) {
            double p = r.exactMatch(), se = Math.sqrt(p * (1 - p) / Math.max(1, r.heldOutPairs()));
            bars.add(new MetricBarChart.Bar(r.method(), "exact match", p, se));
            bars.add(new MetricBarChart.Bar(r.method(), "trainable fraction", r.trainable() / (double) r.all(), Double.NaN));
        }
        return bars;
    }
}
