package cortado.data.collect;

import java.util.Map;

/**
 * Decodes HTML character references: numeric ({@code &#233;}, {@code &#xE9;}) and the named ones that are common in
 * web pages and wikitext. HTML5 defines 2,231 names; the rest are left as written, which costs a few odd
 * characters in rare pages rather than a large table. A named reference needs its ';' here (HTML accepts a few
 * legacy names without it; they are rare in crawled text).
 */
public final class HtmlEntities {
    private HtmlEntities() {}

    private static final Map<String, String> NAMED = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"), Map.entry("ensp", "\u2002"), Map.entry("emsp", "\u2003"),
            Map.entry("thinsp", "\u2009"), Map.entry("shy", "\u00ad"), Map.entry("zwnj", "\u200c"), Map.entry("zwj", "\u200d"),
            Map.entry("ndash", "\u2013"), Map.entry("mdash", "\u2014"), Map.entry("minus", "\u2212"),
            Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"), Map.entry("sbquo", "\u201a"),
            Map.entry("ldquo", "\u201c"), Map.entry("rdquo", "\u201d"), Map.entry("bdquo", "\u201e"),
            Map.entry("laquo", "\u00ab"), Map.entry("raquo", "\u00bb"), Map.entry("lsaquo", "\u2039"), Map.entry("rsaquo", "\u203a"),
            Map.entry("hellip", "\u2026"), Map.entry("bull", "\u2022"), Map.entry("middot", "\u00b7"), Map.entry("prime", "\u2032"),
            Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"), Map.entry("trade", "\u2122"), Map.entry("deg", "\u00b0"),
            Map.entry("plusmn", "\u00b1"), Map.entry("times", "\u00d7"), Map.entry("divide", "\u00f7"), Map.entry("frac12", "\u00bd"),
            Map.entry("frac14", "\u00bc"), Map.entry("frac34", "\u00be"), Map.entry("sect", "\u00a7"), Map.entry("para", "\u00b6"),
            Map.entry("euro", "\u20ac"), Map.entry("pound", "\u00a3"), Map.entry("yen", "\u00a5"), Map.entry("cent", "\u00a2"),
            Map.entry("iexcl", "\u00a1"), Map.entry("iquest", "\u00bf"), Map.entry("larr", "\u2190"), Map.entry("rarr", "\u2192"),
            Map.entry("uarr", "\u2191"), Map.entry("darr", "\u2193"), Map.entry("hearts", "\u2665"),
            Map.entry("Agrave", "\u00c0"), Map.entry("Aacute", "\u00c1"), Map.entry("Acirc", "\u00c2"), Map.entry("Auml", "\u00c4"),
            Map.entry("Aring", "\u00c5"), Map.entry("AElig", "\u00c6"), Map.entry("Ccedil", "\u00c7"), Map.entry("Egrave", "\u00c8"),
            Map.entry("Eacute", "\u00c9"), Map.entry("Ecirc", "\u00ca"), Map.entry("Euml", "\u00cb"), Map.entry("Iacute", "\u00cd"),
            Map.entry("Ntilde", "\u00d1"), Map.entry("Oacute", "\u00d3"), Map.entry("Ouml", "\u00d6"), Map.entry("Oslash", "\u00d8"),
            Map.entry("Uacute", "\u00da"), Map.entry("Uuml", "\u00dc"), Map.entry("szlig", "\u00df"),
            Map.entry("agrave", "\u00e0"), Map.entry("aacute", "\u00e1"), Map.entry("acirc", "\u00e2"), Map.entry("atilde", "\u00e3"),
            Map.entry("auml", "\u00e4"), Map.entry("aring", "\u00e5"), Map.entry("aelig", "\u00e6"), Map.entry("ccedil", "\u00e7"),
            Map.entry("egrave", "\u00e8"), Map.entry("eacute", "\u00e9"), Map.entry("ecirc", "\u00ea"), Map.entry("euml", "\u00eb"),
            Map.entry("igrave", "\u00ec"), Map.entry("iacute", "\u00ed"), Map.entry("icirc", "\u00ee"), Map.entry("iuml", "\u00ef"),
            Map.entry("ntilde", "\u00f1"), Map.entry("ograve", "\u00f2"), Map.entry("oacute", "\u00f3"), Map.entry("ocirc", "\u00f4"),
            Map.entry("otilde", "\u00f5"), Map.entry("ouml", "\u00f6"), Map.entry("oslash", "\u00f8"), Map.entry("ugrave", "\u00f9"),
            Map.entry("uacute", "\u00fa"), Map.entry("ucirc", "\u00fb"), Map.entry("uuml", "\u00fc"), Map.entry("yacute", "\u00fd"),
            Map.entry("yuml", "\u00ff"), Map.entry("oelig", "\u0153"), Map.entry("OElig", "\u0152"), Map.entry("scaron", "\u0161"),
            Map.entry("Scaron", "\u0160"), Map.entry("alpha", "\u03b1"), Map.entry("beta", "\u03b2"), Map.entry("gamma", "\u03b3"),
            Map.entry("delta", "\u03b4"), Map.entry("pi", "\u03c0"), Map.entry("sigma", "\u03c3"), Map.entry("mu", "\u03bc"),
            Map.entry("lambda", "\u03bb"), Map.entry("omega", "\u03c9"), Map.entry("Omega", "\u03a9"));

    /** {@code s} with its character references replaced; text without '&' is returned as is. */
    public static String decode(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (amp >= 0) {
            b.append(s, i, amp);
            int semi = s.indexOf(';', amp + 1);
            String repl = null;
            if (semi > amp + 1 && semi - amp <= 33) repl = reference(s.substring(amp + 1, semi));
            if (repl != null) {
                b.append(repl);
                i = semi + 1;
            } else {
                b.append('&');
                i = amp + 1;
            }
            amp = s.indexOf('&', i);
        }
        return b.append(s, i, s.length()).toString();
    }

    private static String reference(String name) {
        if (name.charAt(0) != '#') return NAMED.get(name);
        try {
            boolean hex = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X');
            int cp = Integer.parseInt(name.substring(hex ? 2 : 1), hex ? 16 : 10);
            // HTML maps NUL, surrogates and out-of-range values to U+FFFD.
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "\ufffd";
            return Character.toString(cp);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
