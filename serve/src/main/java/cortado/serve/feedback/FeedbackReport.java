package cortado.serve.feedback;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The feedback loop's scoreboard: per model and UTC day, the answers served (choices), how many were rated, how many
 * good, and the share of rated answers that were good, so a retrained model served under a new name shows its change
 * beside the old one. {@code success} is the share of answers that ended on their own ({@code finish_reason} stop)
 * rather than at the token limit.
 */
public final class FeedbackReport {
    /** One row: {@code day} is an ISO date, or "all" for the model's total. */
    public record Row(String model, String day, int answers, int rated, int good, int stopped) {
        public double goodShare() { return rated == 0 ? Double.NaN : (double) good / rated; }

        public double successShare() { return answers == 0 ? Double.NaN : (double) stopped / answers; }
    }

    private FeedbackReport() {}

    /** Rows per model (sorted), each model's days in order, then its total. */
    public static List<Row> rows(FeedbackRecords records) {
        Map<String, Map<String, int[]>> counts = new TreeMap<>();
        for (FeedbackRecords.Conversation c : records.conversations()) {
            String day = Instant.ofEpochSecond(c.created()).atZone(ZoneOffset.UTC).toLocalDate().toString();
            Map<String, int[]> byDay = counts.computeIfAbsent(c.model(), k -> new TreeMap<>());
            for (int i = 0; i < c.choices().size(); i++) {
                ConversationLog.Rating r = records.rating(c, i);
                boolean stopped = "stop".equals(c.choices().get(i).finishReason());
                for (int[] n : List.of(byDay.computeIfAbsent(day, k -> new int[4]), byDay.computeIfAbsent("all", k -> new int[4]))) {
                    n[0]++;
                    if (r != null) n[1]++;
                    if (r != null && r.rating().equals("good")) n[2]++;
                    if (stopped) n[3]++;
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (var m : counts.entrySet()) {
            int[] all = m.getValue().remove("all");
            for (var d : m.getValue().entrySet()) rows.add(row(m.getKey(), d.getKey(), d.getValue()));
            rows.add(row(m.getKey(), "all", all));
        }
        return rows;
    }

    private static Row row(String model, String day, int[] n) { return new Row(model, day, n[0], n[1], n[2], n[3]); }

    /** The rows as an aligned text table. */
    public static String table(List<Row> rows) {
        int w = "model".length();
        for (Row r : rows) w = Math.max(w, r.model().length());
        StringBuilder sb = new StringBuilder(String.format("%-" + w + "s  %-10s  %7s  %5s  %5s  %10s  %7s%n", "model",
                "day", "answers", "rated", "good", "good/rated", "stopped"));
        for (Row r : rows)
            sb.append(String.format("%-" + w + "s  %-10s  %7d  %5d  %5d  %10s  %7s%n", r.model(), r.day(), r.answers(),
                    r.rated(), r.good(), percent(r.goodShare()), percent(r.successShare())));
        return sb.toString();
    }

    private static String percent(double share) { return Double.isNaN(share) ? "-" : String.format("%.1f%%", 100 * share); }
}
