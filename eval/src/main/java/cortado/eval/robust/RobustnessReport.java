package cortado.eval.robust;

import cortado.eval.MeanWithStderr;
import cortado.eval.MetricBarChart;
import cortado.eval.ReportSection;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The robustness run's results.json entries and report. Each perturbed cell is a task of its own in "results",
 * named {@code TASK@PERTURBATION:SEVERITY}, with the metric under perturbation and its drop from clean
 * ({@code acc_drop}; standard error of the paired difference), so {@code eval compare} lines up two runs' cells.
 */
public final class RobustnessReport {
    private RobustnessReport() {}

    public static String cellName(String task, RobustnessProbe.Cell c) {
        return task + "@" + c.perturbation() + ":" + severity(c.severity());
    }

    /** results.json's "results": each task's clean metrics, then its cells. */
    public static Map<String, Object> results(List<RobustnessProbe.Result> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RobustnessProbe.Result r : results) {
            Map<String, Object> clean = new LinkedHashMap<>();
            clean.put("alias", r.task());
            r.clean().forEach((m, v) -> put(clean, m, v));
            out.put(r.task(), clean);
            for (RobustnessProbe.Cell c : r.cells()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("alias", cellName(r.task(), c));
                m.put("perturbation", c.perturbation());
                m.put("severity", c.severity());
                c.metrics().forEach((k, v) -> put(m, k, v));
                c.drop().forEach((k, v) -> put(m, k + "_drop", v));
                m.put("flipped_picks", c.flipped());
                out.put(cellName(r.task(), c), m);
            }
        }
        return out;
    }

    /** results.json's "attack" section. */
    public static Map<String, Object> attack(List<GreedyCharAttack.Summary> attacks) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (GreedyCharAttack.Summary s : attacks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("budget", s.budget());
            m.put("documents", s.outcomes().size());
            m.put("attacked", s.attacked());
            m.put("succeeded", s.succeeded());
            m.put("success_rate", nanToNull(s.successRate()));
            m.put("mean_edits", nanToNull(s.meanEdits()));
            out.put(s.task(), m);
        }
        return out;
    }

    public static ReportSection section(List<RobustnessProbe.Result> results, List<GreedyCharAttack.Summary> attacks) {
        Map<String, BufferedImage> charts = new LinkedHashMap<>();
        StringBuilder b = new StringBuilder("# Robustness report\n\n");
        for (RobustnessProbe.Result r : results) {
            String metric = r.clean().containsKey("acc") ? "acc" : r.clean().keySet().iterator().next();
            b.append("## ").append(r.task()).append(" (").append(r.documents()).append(" documents)\n\n")
                    .append("clean ").append(metric).append(": ").append(f(r.clean().get(metric).mean())).append("\n\n")
                    .append("| perturbation | severity | ").append(metric).append(" | drop | stderr of drop | picks changed |\n")
                    .append("|---|---|---|---|---|---|\n");
            List<MetricBarChart.Bar> bars = new ArrayList<>();
            List<String> severities = new ArrayList<>();
            bars.add(new MetricBarChart.Bar("clean", "clean", r.clean().get(metric).mean(), r.clean().get(metric).stderr()));
            severities.add("clean");
            for (RobustnessProbe.Cell c : r.cells()) {
                MeanWithStderr v = c.metrics().get(metric), d = c.drop().get(metric);
                b.append("| ").append(c.perturbation()).append(" | ").append(severity(c.severity())).append(" | ")
                        .append(f(v.mean())).append(" | ").append(f(d.mean())).append(" | ").append(se(d.stderr()))
                        .append(" | ").append(c.flipped()).append(" |\n");
                String s = "severity " + severity(c.severity());
                if (!severities.contains(s)) severities.add(s);
                bars.add(new MetricBarChart.Bar(c.perturbation(), s, v.mean(), v.stderr()));
            }
            String file = "robustness_" + r.task().replaceAll("[^A-Za-z0-9_.-]", "_") + ".png";
            charts.put(file, MetricBarChart.render(metric + " under perturbation: " + r.task(), bars, severities));
            b.append("\n![").append(metric).append(" under perturbation](").append(file).append(")\n\n");
            b.append("drop: clean minus perturbed, per document, averaged; its standard error is that of the paired"
                    + " difference. Only the document's own fields are perturbed (not the choices, the template or the"
                    + " few-shot examples).\n\n");
            for (RobustnessProbe.Cell c : r.cells()) {
                if (c.changed().isEmpty()) continue;
                b.append("<details><summary>").append(c.perturbation()).append(" at ").append(severity(c.severity()))
                        .append(": changed picks</summary>\n\n");
                for (RobustnessProbe.Changed ch : c.changed())
                    b.append("- doc ").append(ch.doc()).append(": `").append(code(ch.cleanText())).append("` picked `")
                            .append(code(ch.cleanPick())).append("`; perturbed `").append(code(ch.perturbedText()))
                            .append("` picked `").append(code(ch.perturbedPick())).append("` (gold `").append(code(ch.gold())).append("`)\n");
                b.append("\n</details>\n\n");
            }
        }
        for (GreedyCharAttack.Summary s : attacks) {
            b.append("## Greedy character attack: ").append(s.task()).append("\n\n")
                    .append("budget ").append(s.budget()).append(" edits; ").append(s.attacked()).append(" of ")
                    .append(s.outcomes().size()).append(" documents answered correctly were attacked; ")
                    .append(s.succeeded()).append(" flipped: attack success rate ").append(f(s.successRate()))
                    .append(", mean edits needed ").append(f(s.meanEdits())).append("\n\n");
            int shown = 0;
            for (GreedyCharAttack.Outcome o : s.outcomes()) {
                if (!o.flipped() || shown++ >= 5) continue;
                b.append("- doc ").append(o.doc()).append(", ").append(o.edits().size()).append(" edit(s) ");
                for (GreedyCharAttack.Edit e : o.edits())
                    b.append("[").append(e.field()).append(" @").append(e.position()).append(" `").append(code(e.before()))
                            .append("`->`").append(code(e.after())).append("`] ");
                b.append(": `").append(code(tail(o.adversarialPrompt()))).append("` now picks `").append(code(o.adversarialPick()))
                        .append("` instead of `").append(code(o.gold())).append("`\n");
            }
            b.append('\n');
        }
        return new ReportSection(b.toString(), charts);
    }

    private static void put(Map<String, Object> m, String metric, MeanWithStderr v) {
        m.put(metric + ",none", v.mean());
        m.put(metric + "_stderr,none", Double.isNaN(v.stderr()) ? "N/A" : v.stderr());
    }

    private static Object nanToNull(double v) { return Double.isNaN(v) ? null : v; }

    static String severity(double s) { return String.format(Locale.ROOT, "%.2f", s); }

    private static String tail(String s) { return s.length() <= 160 ? s : "..." + s.substring(s.length() - 160); }

    private static String code(String s) { return s.replace("`", "'").replace("\n", "\\n").replace("|", "\\|"); }

    private static String se(double v) { return Double.isNaN(v) ? "N/A" : f(v); }

    private static String f(double v) { return Double.isNaN(v) ? "N/A" : String.format(Locale.ROOT, "%.4f", v); }
}
