package cortado.eval;

import cortado.data.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Two runs' results.json side by side: for every task and metric both report, the values, B - A, and the standard
 * error of that difference, sqrt(se_A^2 + se_B^2) (the two runs' document samples treated as independent, which
 * overstates the error when both scored the same documents; a conservative flag). A difference larger than it is
 * flagged.
 */
public final class RunComparison {
    /** One metric of one task in both runs; a stderr is NaN when a run has none ("N/A"). */
    public record Row(String task, String metric, double a, double seA, double b, double seB) {
        public double diff() { return b - a; }

        public double stderr() { return Math.sqrt(seA * seA + seB * seB); }

        /** Whether |B - A| exceeds the difference's standard error (false when that is unknown). */
        public boolean exceedsStderr() { return Double.isFinite(stderr()) && Math.abs(diff()) > stderr(); }
    }

    private RunComparison() {}

    /** A run directory (its results.json) or a results.json file, parsed; errors name the file. */
    public static Map<String, Object> read(Path run) {
        Path f = Files.isDirectory(run) ? run.resolve("results.json") : run;
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": cannot read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage());
        }
        if (!(json.get("results") instanceof Map<?, ?>))
            throw new IllegalArgumentException(f + ": no \"results\" object (not an lm-eval results.json)");
        return json;
    }

    /** The rows for every task in both runs (A's order), every {@code METRIC,FILTER} key both hold as a number. */
    public static List<Row> compare(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> ra = results(a), rb = results(b);
        List<Row> rows = new ArrayList<>();
        for (String task : ra.keySet()) {
            if (!(ra.get(task) instanceof Map<?, ?> ma) || !(rb.get(task) instanceof Map<?, ?> mb)) continue;
            for (Object k : ma.keySet()) {
                String key = String.valueOf(k);
                int comma = key.indexOf(',');
                if (comma < 0 || key.substring(0, comma).endsWith("_stderr")) continue;
                if (!(ma.get(key) instanceof Number va) || !(mb.get(key) instanceof Number vb)) continue;
                String se = key.substring(0, comma) + "_stderr" + key.substring(comma);
                rows.add(new Row(task, key, va.doubleValue(), num(ma.get(se)), vb.doubleValue(), num(mb.get(se))));
            }
        }
        return rows;
    }

    /** A markdown table of the rows; flagged differences in bold. */
    public static String markdown(List<Row> rows, String nameA, String nameB) {
        StringBuilder s = new StringBuilder("| task | metric | A | B | B - A | stderr of B - A | beyond stderr |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String d = f(r.diff(), true);
            s.append("| ").append(r.task()).append(" | ").append(r.metric()).append(" | ").append(f(r.a(), false))
                    .append(" | ").append(f(r.b(), false)).append(" | ").append(r.exceedsStderr() ? "**" + d + "**" : d)
                    .append(" | ").append(Double.isFinite(r.stderr()) ? f(r.stderr(), false) : "N/A").append(" | ")
                    .append(r.exceedsStderr() ? "yes" : "no").append(" |\n");
        }
        return "A: " + nameA + "\nB: " + nameB + "\n\n" + s;
    }

    private static Map<String, Object> results(Map<String, Object> run) {
        if (!(run.get("results") instanceof Map<?, ?> m)) throw new IllegalArgumentException("no \"results\" object");
        @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) m;
        return r;
    }

    private static double num(Object o) { return o instanceof Number n ? n.doubleValue() : Double.NaN; }

    private static String f(double v, boolean signed) { return String.format(Locale.ROOT, signed ? "%+.4f" : "%.4f", v); }
}
