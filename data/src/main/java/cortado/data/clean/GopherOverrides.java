package cortado.data.clean;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gopher thresholds changed by a {@code key=value,...} list, as {@code prepare --gopher-quality} and
 * {@code --gopher-repetition} (and the Spark job) take them; keys are the paper's names, unknown keys and non-numbers
 * are errors naming them.
 */
public final class GopherOverrides {
    private GopherOverrides() {}

    /** The quality thresholds with {@code spec}'s overrides (null or blank: the paper's). */
    public static GopherQualityFilter.Config quality(String spec) {
        GopherQualityFilter.Config d = GopherQualityFilter.Config.gopher();
        Map<String, Double> o = keyValues(spec, Set.of("min_words", "max_words",
                "min_mean_word_length", "max_mean_word_length", "max_symbol_word_ratio", "max_bullet_line_fraction",
                "max_ellipsis_line_fraction", "min_alpha_word_fraction", "min_stop_words"));
        return new GopherQualityFilter.Config(
                (int) (double) o.getOrDefault("min_words", (double) d.minWords()),
                (int) (double) o.getOrDefault("max_words", (double) d.maxWords()),
                o.getOrDefault("min_mean_word_length", d.minMeanWordLength()),
                o.getOrDefault("max_mean_word_length", d.maxMeanWordLength()),
                o.getOrDefault("max_symbol_word_ratio", d.maxSymbolWordRatio()),
                o.getOrDefault("max_bullet_line_fraction", d.maxBulletLineFraction()),
                o.getOrDefault("max_ellipsis_line_fraction", d.maxEllipsisLineFraction()),
                o.getOrDefault("min_alpha_word_fraction", d.minAlphaWordFraction()),
                (int) (double) o.getOrDefault("min_stop_words", (double) d.minStopWords()));
    }

    /** The repetition thresholds with {@code spec}'s overrides (null or blank: the paper's). */
    public static GopherRepetitionFilter.Config repetition(String spec) {
        GopherRepetitionFilter.Config d = GopherRepetitionFilter.Config.gopher();
        Set<String> keys = new LinkedHashSet<>(List.of("duplicate_lines", "duplicate_paragraphs",
                "duplicate_line_chars", "duplicate_paragraph_chars"));
        for (int n = 2; n <= 4; n++) keys.add("top_" + n + "gram");
        for (int n = 5; n <= 10; n++) keys.add("duplicate_" + n + "gram");
        Map<String, Double> o = keyValues(spec, keys);
        double[] top = d.topNgram().clone(), dup = d.duplicateNgram().clone();
        for (int n = 2; n <= 4; n++) top[n - 2] = o.getOrDefault("top_" + n + "gram", top[n - 2]);
        for (int n = 5; n <= 10; n++) dup[n - 5] = o.getOrDefault("duplicate_" + n + "gram", dup[n - 5]);
        return new GopherRepetitionFilter.Config(
                o.getOrDefault("duplicate_lines", d.maxDuplicateLineFraction()),
                o.getOrDefault("duplicate_paragraphs", d.maxDuplicateParagraphFraction()),
                o.getOrDefault("duplicate_line_chars", d.maxDuplicateLineCharFraction()),
                o.getOrDefault("duplicate_paragraph_chars", d.maxDuplicateParagraphCharFraction()), top, dup);
    }

    private static Map<String, Double> keyValues(String spec, Set<String> allowed) {
        Map<String, Double> out = new HashMap<>();
        if (spec == null || spec.isBlank()) return out;
        for (String kv : spec.split(",")) {
            int eq = kv.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
            String k = kv.substring(0, eq).strip();
            if (!allowed.contains(k)) throw new IllegalArgumentException("unknown key '" + k + "' (" + String.join(", ", allowed) + ")");
            try {
                out.put(k, Double.parseDouble(kv.substring(eq + 1).strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(k + " expects a number, got '" + kv.substring(eq + 1) + "'");
            }
        }
        return out;
    }
}
