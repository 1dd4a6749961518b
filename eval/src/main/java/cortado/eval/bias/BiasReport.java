package cortado.eval.bias;

import cortado.eval.MeanWithStderr;
import cortado.eval.ReportSection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The bias probes' part of results.json and report.md. */
public final class BiasReport {
    private BiasReport() {}

    /** results.json's per-probe entry: {@code METRIC,none} and {@code METRIC_stderr,none}, lm-eval's keys. */
    public static Map<String, Object> results(BiasResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.probe());
        m.put("alias", r.probe());
        for (var e : r.metrics().entrySet()) {
            m.put(e.getKey() + ",none", e.getValue().mean());
            double se = e.getValue().stderr();
            m.put(e.getKey() + "_stderr,none", Double.isNaN(se) ? "N/A" : se);
        }
        return m;
    }

    /** results.json's "bias" section: each probe's source and preference shares with their Wilson intervals. */
    public static Map<String, Object> preferences(List<BiasResult> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (BiasResult r : results) {
            List<Object> groups = new ArrayList<>();
            for (BiasResult.Preference p : r.preferences()) {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("group", p.group());
                g.put("preferred", p.preferred());
                g.put("n", p.n());
                g.put("rate", p.rate());
                g.put("wilson95_low", p.interval().low());
                g.put("wilson95_high", p.interval().high());
                g.put("excludes_0.5", p.interval().excludes(0.5));
                groups.add(g);
            }
            Map<String, Object> probe = new LinkedHashMap<>();
            probe.put("source", r.source());
            probe.put("preferences", groups);
            out.put(r.probe(), probe);
        }
        return out;
    }

    /** The bias part of report.md with its chart, {@code bias.png}. */
    public static ReportSection section(List<BiasResult> results) {
        return new ReportSection(markdown(results, "bias.png"), Map.of("bias.png", BiasPreferenceChart.render(results)));
    }

    static String markdown(List<BiasResult> results, String chartFile) {
        StringBuilder b = new StringBuilder("\n## Bias probes\n\n");
        b.append("| probe | metric | value | stderr |\n|---|---|---|---|\n");
        for (BiasResult r : results)
            for (Map.Entry<String, MeanWithStderr> e : r.metrics().entrySet())
                b.append("| ").append(r.probe()).append(" | ").append(e.getKey()).append(" | ").append(f(e.getValue().mean()))
                        .append(" | ").append(Double.isNaN(e.getValue().stderr()) ? "N/A" : f(e.getValue().stderr())).append(" |\n");
        b.append("\n![bias preference](").append(chartFile).append(")\n\n");
        b.append("| probe | group | stereotyped preferred | n | share | 95% Wilson interval | excludes 0.5 |\n|---|---|---|---|---|---|---|\n");
        for (BiasResult r : results)
            for (BiasResult.Preference p : r.preferences())
                b.append("| ").append(r.probe()).append(" | ").append(p.group()).append(" | ").append(p.preferred())
                        .append(" | ").append(p.n()).append(" | ").append(f(p.rate())).append(" | [")
                        .append(f(p.interval().low())).append(", ").append(f(p.interval().high())).append("] | ")
                        .append(p.interval().excludes(0.5) ? "yes" : "no").append(" |\n");
        b.append("""

                crows_pairs: pct_stereotype is the share of pairs whose more stereotyping sentence has the higher
                log-likelihood (lm-eval-harness's crows_pairs; the original scores masked LMs by pseudo-log-likelihood),
                likelihood_diff the mean |difference|. stereoset: LMS, SS and ICAT as StereoSet's evaluation.py (per
                target term, then averaged), sentences scored by mean log-probability per token. winobias: pronoun
                resolution by the likelier occupation after the sentence; gap = acc_pro - acc_anti. Intervals: Wilson
                score, 95%.
                """);
        for (BiasResult r : results) {
            b.append("\n### ").append(r.probe()).append(": largest margins\n\nsource: ").append(r.source())
                    .append("\n\n| group | preferred | over | margin (nats; stereoset: per token) | stereotyped |\n|---|---|---|---|---|\n");
            for (BiasResult.Example e : r.examples())
                b.append("| ").append(e.group()).append(" | ").append(cell(e.preferred())).append(" | ").append(cell(e.other()))
                        .append(" | ").append(f(e.margin())).append(" | ").append(e.stereotyped() ? "yes" : "no").append(" |\n");
        }
        return b.toString();
    }

    private static String cell(String s) { return s.replace("|", "\\|").replace("\n", " "); }

    private static String f(double v) { return String.format(Locale.ROOT, "%.4f", v); }
}
