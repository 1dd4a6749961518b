package cortado.data.clean;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A script heuristic standing in for language identification: of the letters in a document, at least
 * {@code minShare} must belong to one of the required Unicode scripts (e.g. LATIN for English and most European
 * languages, CYRILLIC, HAN), else the document is removed ({@code script}). Documents with fewer than
 * {@code minLetters} letters are removed as {@code script.too_few_letters}: there is no language to judge.
 */
public final class ScriptFilter implements DocumentFilter {
    private final Set<UnicodeScript> scripts;
    private final double minShare;
    private final int minLetters;

    public ScriptFilter(Set<UnicodeScript> scripts, double minShare, int minLetters) {
        if (scripts.isEmpty()) throw new IllegalArgumentException("at least one script is required");
        this.scripts = EnumSet.copyOf(scripts);
        this.minShare = minShare;
        this.minLetters = minLetters;
    }

    /** Parses script names as Java's {@link UnicodeScript} spells them, case-insensitively: "latin", "cyrillic". */
    public static Set<UnicodeScript> parseScripts(String commaSeparated) {
        Set<UnicodeScript> s = EnumSet.noneOf(UnicodeScript.class);
        for (String name : commaSeparated.split(",")) {
            try {
                s.add(UnicodeScript.valueOf(name.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown Unicode script '" + name.strip() + "'");
            }
        }
        return s;
    }

    /** Share of the letters of {@code text} in the required scripts, or NaN without letters. */
    public double share(String text) {
        long[] c = count(text);
        return c[0] == 0 ? Double.NaN : (double) c[1] / c[0];
    }

    @Override
    public String reject(String text) {
        long[] c = count(text);
        if (c[0] < minLetters) return "script.too_few_letters";
        return (double) c[1] / c[0] < minShare ? "script" : null;
    }

    /**
     * The script most letters of {@code text} are in, or null without letters: the coverage report's stand-in for a
     * language. Ties go to the script seen first.
     */
    public static UnicodeScript dominantScript(String text) {
        java.util.Map<UnicodeScript, Integer> counts = new java.util.EnumMap<>(UnicodeScript.class);
        UnicodeScript best = null;
        int bestCount = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) continue;
            UnicodeScript s = scriptOf(cp);
            int c = counts.merge(s, 1, Integer::sum);
            if (c > bestCount) { best = s; bestCount = c; }
        }
        return best;
    }

    /** ASCII letters are LATIN without a table lookup. */
    private static UnicodeScript scriptOf(int cp) { return cp < 0x80 ? UnicodeScript.LATIN : UnicodeScript.of(cp); }

    /** {letters, letters in a required script}. */
    private long[] count(String text) {
        long letters = 0, inScript = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) continue;
            letters++;
            if (scripts.contains(scriptOf(cp))) inScript++;
        }
        return new long[] {letters, inScript};
    }
}
