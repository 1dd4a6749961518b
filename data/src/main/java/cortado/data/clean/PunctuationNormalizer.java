package cortado.data.clean;

import java.util.Map;

/**
 * Maps Unicode punctuation to its ASCII form with CCNet's table (Wenzek et al. 2019, cc_net/text_normalizer.py,
 * {@code UNICODE_PUNCT}): full-width CJK punctuation, curly quotes and guillemets to {@code "}, the acute accent and
 * right single quote to {@code '}, en dash to {@code -}, em dash to {@code " - "}, the ellipsis to {@code ...}. One
 * entry of that table is left out: it maps the full-width digit one to a quote, which is a slip.
 */
public final class PunctuationNormalizer {
    private static final Map<Character, String> TABLE = Map.ofEntries(
            Map.entry('\uff0c', ","), Map.entry('\u3002', "."), Map.entry('\u3001', ","), Map.entry('\u201e', "\""),
            Map.entry('\u201d', "\""), Map.entry('\u201c', "\""), Map.entry('\u00ab', "\""), Map.entry('\u00bb', "\""),
            Map.entry('\u300d', "\""), Map.entry('\u300c', "\""), Map.entry('\u300a', "\""), Map.entry('\u300b', "\""),
            Map.entry('\u00b4', "'"), Map.entry('\u2236', ":"), Map.entry('\uff1a', ":"), Map.entry('\uff1f', "?"),
            Map.entry('\uff01', "!"), Map.entry('\uff08', "("), Map.entry('\uff09', ")"), Map.entry('\uff1b', ";"),
            Map.entry('\u2013', "-"), Map.entry('\u2014', " - "), Map.entry('\uff0e', ". "), Map.entry('\uff5e', "~"),
            Map.entry('\u2019', "'"), Map.entry('\u2026', "..."), Map.entry('\u2501', "-"), Map.entry('\u3008', "<"),
            Map.entry('\u3009', ">"), Map.entry('\u3010', "["), Map.entry('\u3011', "]"), Map.entry('\uff05', "%"),
            Map.entry('\u25ba', "-"));

    private PunctuationNormalizer() {}

    public static Edit apply(String text) {
        StringBuilder b = null;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            String r = TABLE.get(text.charAt(i));
            if (r == null) {
                if (b != null) b.append(text.charAt(i));
                continue;
            }
            if (b == null) b = new StringBuilder(text.length() + 8).append(text, 0, i);
            b.append(r);
            n++;
        }
        return b == null ? new Edit(text, 0) : new Edit(b.toString(), n);
    }
}
