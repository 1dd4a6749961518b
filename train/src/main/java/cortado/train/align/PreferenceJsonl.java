package cortado.train.align;

import cortado.train.JsonlRows;
import cortado.train.TokenDataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Preference data as JSON Lines in TRL's standard (text) layouts, one pair per line, blank lines skipped:
 * {@code {"prompt", "chosen", "rejected"}} (explicit prompt) or {@code {"chosen", "rejected"}} (implicit prompt:
 * the longest common prefix, as TRL's {@code extract_prompt}, which also leaves a space before the first difference
 * to the completions). Conversational (message list) rows are refused with a message saying so: they are not read yet.
 * A bad line is an error naming the file, the line and the field.
 */
public final class PreferenceJsonl {
    /** One pair; {@code line} is where it came from. */
    public record Pair(String prompt, String chosen, String rejected, int line) {}

    private PreferenceJsonl() {}

    public static List<Pair> load(Path file) {
        List<Pair> pairs = new ArrayList<>();
        JsonlRows.forEach(file, row -> {
            Map<String, Object> obj = row.fields();
            String where = row.where();
            int line = row.line();
            String chosen = text(obj, "chosen", where), rejected = text(obj, "rejected", where);
            if (obj.containsKey("prompt")) pairs.add(new Pair(text(obj, "prompt", where), chosen, rejected, line));
            else pairs.add(implicit(chosen, rejected, line, where));
        });
        if (pairs.isEmpty()) throw new TokenDataException(file + ": no preference pairs");
        return pairs;
    }

    /** TRL's extract_prompt on strings: split at the first differing character, less a space just before it. */
    static Pair implicit(String chosen, String rejected, int line, String where) {
        int n = Math.min(chosen.length(), rejected.length()), idx = 0;
        while (idx < n && chosen.charAt(idx) == rejected.charAt(idx)) idx++;
        if (idx == n) throw new TokenDataException(where + "no \"prompt\", and \"chosen\"/\"rejected\" do not differ"
                + " before one ends (the implicit prompt needs them to)");
        if (idx > 0 && chosen.charAt(idx - 1) == ' ') idx--;
        return new Pair(chosen.substring(0, idx), chosen.substring(idx), rejected.substring(idx), line);
    }

    private static String text(Map<String, Object> obj, String field, String where) {
        Object v = obj.get(field);
        if (v == null) throw new TokenDataException(where + "missing \"" + field + "\" (rows are {\"prompt\", \"chosen\","
                + " \"rejected\"} or {\"chosen\", \"rejected\"})");
        if (v instanceof List<?>)
            throw new TokenDataException(where + "\"" + field + "\" is a message list: conversational preference rows"
                    + " are not supported yet (use text)");
        if (!(v instanceof String s)) throw new TokenDataException(where + "\"" + field + "\" must be a string");
        return s;
    }
}
