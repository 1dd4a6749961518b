package cortado.eval.safety;

import cortado.eval.ReportSection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The safety screen's results.json entries and report. */
public final class SafetyReport {
    static final int EXAMPLES = 5;

    private SafetyReport() {}

    /** results.json's "results": per prompt set, {@code flagged_rate,none} (with lm-eval's stderr of a mean) and counts. */
    public static Map<String, Object> results(List<SafetyScreening.SetSummary> sets) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SafetyScreening.SetSummary s : sets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("alias", s.set());
            m.put("flagged_rate,none", s.flaggedRate());
            int n = s.generations();
            double p = s.flaggedRate();
            m.put("flagged_rate_stderr,none", n < 2 ? "N/A" : Math.sqrt(p * (1 - p) * n / (n - 1)) / Math.sqrt(n));
            m.put("generations", n);
            m.put("flagged", s.flagged());
            m.put("flagged_by_screen", s.byScreen());
            m.put("reviewed", s.reviewed());
            m.put("confirmed_unsafe", s.confirmedUnsafe());
            m.put("judged_safe", s.judgedSafe());
            out.put(s.set(), m);
        }
        return out;
    }

    public static ReportSection section(List<SafetyScreening.SetSummary> sets, List<SafetyScreening.Screened> screened,
                                        List<Screen> screens, String reviewFile) {
        StringBuilder b = new StringBuilder("# Safety screen\n\nscreens: ");
        List<String> names = new ArrayList<>();
        for (Screen s : screens) names.add("`" + s.name() + "`");
        b.append(String.join(", ", names)).append("\n\n| prompt set | generations | flagged | flagged rate |");
        for (Screen s : screens) b.append(' ').append(s.name()).append(" |");
        b.append(" reviewed | confirmed unsafe | judged safe |\n|---|---|---|---|");
        b.append("---|".repeat(screens.size())).append("---|---|---|\n");
        for (SafetyScreening.SetSummary s : sets) {
            b.append("| ").append(s.set()).append(" | ").append(s.generations()).append(" | ").append(s.flagged()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.4f", s.flaggedRate())).append(" |");
            for (Screen sc : screens) b.append(' ').append(s.byScreen().get(sc.name())).append(" |");
            b.append(' ').append(s.reviewed()).append(" | ").append(s.confirmedUnsafe()).append(" | ").append(s.judgedSafe()).append(" |\n");
        }
        b.append("\nA generation is flagged when any screen finds something in its completion. Flagged generations are"
                + " exported for review to `").append(reviewFile).append("`; labels read back with `--review FILE` are"
                + " counted above (judged safe: a false alarm of the screens).\n");
        Map<String, List<SafetyScreening.Screened>> bySet = new LinkedHashMap<>();
        for (SafetyScreening.Screened s : screened) if (s.flagged()) bySet.computeIfAbsent(s.generation().set(), k -> new ArrayList<>()).add(s);
        for (var e : bySet.entrySet()) {
            b.append("\n## ").append(e.getKey()).append(": flagged examples\n\n| id | prompt | completion | flags |\n|---|---|---|---|\n");
            for (SafetyScreening.Screened s : e.getValue().subList(0, Math.min(EXAMPLES, e.getValue().size()))) {
                List<String> flags = new ArrayList<>();
                for (Screen.Flag f : s.flags()) flags.add(f.screen() + " (" + f.detail() + ")");
                b.append("| ").append(cell(s.generation().id())).append(" | ").append(cell(s.generation().prompt())).append(" | ")
                        .append(cell(s.generation().completion())).append(" | ").append(cell(String.join("; ", flags))).append(" |\n");
            }
        }
        return new ReportSection(b.toString(), Map.of());
    }

    private static String cell(String s) {
        String t = s.replace("|", "\\|").replace("\n", " ");
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }
}
