package cortado.data.clean;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands English contractions ("don't" to "do not") from the documented list in {@code contractions.tsv}; words
 * not on it (possessives, "o'clock") are left alone. The original's case carries over.
 */
public final class Contractions {
    private static final Map<String, String> LIST = new HashMap<>();
    static {
        for (String[] e : ExpansionList.resource("contractions.tsv").entries()) LIST.put(e[0], e[1]);
    }
    private static final Pattern WORD = Pattern.compile("(?<![\\p{L}\\p{N}])\\p{L}+['\u2019]\\p{L}+(?![\\p{L}\\p{N}'\u2019])");

    private Contractions() {}

    public static Edit apply(String text) {
        if (text.indexOf('\'') < 0 && text.indexOf('\u2019') < 0) return new Edit(text, 0);
        Matcher m = WORD.matcher(text);
        StringBuilder b = new StringBuilder(text.length() + 16);
        int n = 0;
        while (m.find()) {
            String w = m.group();
            String exp = LIST.get(w.replace('\u2019', '\'').toLowerCase(Locale.ROOT));
            if (exp == null) continue;
            m.appendReplacement(b, Matcher.quoteReplacement(matchCase(w, exp)));
            n++;
        }
        if (n == 0) return new Edit(text, 0);
        m.appendTail(b);
        return new Edit(b.toString(), n);
    }

    /** ALL CAPS stays all caps, a capital first letter stays capital, otherwise the list's spelling. */
    static String matchCase(String original, String expansion) {
        boolean allUpper = original.chars().filter(Character::isLetter).allMatch(Character::isUpperCase)
                && original.chars().filter(Character::isLetter).count() > 1;
        if (allUpper) return expansion.toUpperCase(Locale.ROOT);
        if (Character.isUpperCase(original.charAt(0)))
            return Character.toUpperCase(expansion.charAt(0)) + expansion.substring(1);
        return expansion;
    }
}
