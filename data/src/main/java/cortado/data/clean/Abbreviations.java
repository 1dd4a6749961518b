package cortado.data.clean;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands English abbreviations ("e.g." to "for example") from the documented list in {@code abbreviations.tsv},
 * matched exactly as whole words. One that can end a sentence keeps a full stop when a line end, the end of the
 * text or a capitalized word follows; a title ("Dr.") never does.
 */
public final class Abbreviations {
    private static final Map<String, String[]> LIST = new HashMap<>();
    private static final Pattern ANY;
    static {
        List<String> alternatives = new ArrayList<>();
        for (String[] e : ExpansionList.resource("abbreviations.tsv").entries()) {
            LIST.put(e[0], e);
            alternatives.add(Pattern.quote(e[0]));
        }
        alternatives.sort((a, b) -> b.length() - a.length()); // longest first: "Sept." before "Sep."
        ANY = Pattern.compile("(?<![\\p{L}\\p{N}.])(?:" + String.join("|", alternatives) + ")(?=(\\s+\\p{Lu}|\\s*\\z|[ \\t]*\\n)?)");
    }

    private Abbreviations() {}

    public static Edit apply(String text) {
        if (text.indexOf('.') < 0) return new Edit(text, 0);
        Matcher m = ANY.matcher(text);
        StringBuilder b = new StringBuilder(text.length() + 16);
        int n = 0;
        while (m.find()) {
            int end = m.end();
            // a letter or digit right after the dot means this is part of a longer token ("e.g.x", "U.S.A.")
            if (end < text.length() && Character.isLetterOrDigit(text.charAt(end))) continue;
            String[] e = LIST.get(m.group());
            boolean title = e.length > 2 && e[2].equals("title");
            boolean endsSentence = !title && m.group(1) != null;
            m.appendReplacement(b, Matcher.quoteReplacement(e[1] + (endsSentence ? "." : "")));
            n++;
        }
        if (n == 0) return new Edit(text, 0);
        m.appendTail(b);
        return new Edit(b.toString(), n);
    }
}
