package cortado.data.collect;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MediaWiki wikitext to plain text, in the spirit of WikiExtractor (Attardi), which most Wikipedia corpora go
 * through: comments, {@code <ref>} references and other extension tags ({@code gallery, math, timeline, score,
 * syntaxhighlight, imagemap, references}) are dropped with their content; templates {@code {{...}}} (nested, including
 * parameters {@code {{{...}}}}) and tables <code>{| ... |}</code> (nested) are dropped; file, image, media and category
 * links and interlanguage links are dropped; {@code [[target|label]]} becomes the label and {@code [[target]]} the
 * target; external links {@code [url label]} become the label; bold and italic marks go; headings {@code == H ==}
 * stay as their text on a line of their own, unless nothing but other headings follows them before the next heading
 * of the same or a higher level (a "References" or "External links" section emptied by the above); list markers,
 * horizontal rules, behaviour switches ({@code __TOC__}) and remaining HTML tags go ({@code <br>} becomes a line break); character references are
 * decoded. An unbalanced {@code {{} or {@code [[} is kept as text, as MediaWiki renders it.
 */
public final class WikitextToText {
    private WikitextToText() {}

    private static final Pattern COMMENT = Pattern.compile("<!--.*?(-->|\\z)", Pattern.DOTALL);
    private static final Pattern DROPPED_TAGS = Pattern.compile(
            "<(ref|gallery|math|timeline|score|syntaxhighlight|source|imagemap|references|chem|hiero|graph|mapframe)\\b[^>]*?(/>|>.*?</\\1\\s*>)",
            Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern EXTERNAL = Pattern.compile("\\[(?:https?:|ftp:)?//[^\\s\\]]+(?:\\s+([^\\]]*))?\\]");
    private static final Pattern QUOTES = Pattern.compile("'{2,}");
    private static final Pattern HEADING = Pattern.compile("^(=+)\\s*(.*?)\\s*\\1\\s*$");
    private static final Pattern TAG = Pattern.compile("</?[A-Za-z][^>]*>");
    private static final Pattern BR = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    private static final Pattern SWITCH = Pattern.compile("__[A-Z]+__");
    /** Namespaces whose links are not text (English and the aliases every wiki has). */
    private static final Set<String> DROPPED_NAMESPACES = Set.of("file", "image", "media", "category");
    /** An interlanguage or interwiki prefix: a language code such as "de", "zh-yue", "simple". */
    private static final Pattern INTERWIKI = Pattern.compile("[a-z]{2,3}(-[a-z]{2,8})*|simple|wikt|wiktionary|commons");

    public static String convert(String wikitext) {
        String s = COMMENT.matcher(wikitext).replaceAll("");
        s = DROPPED_TAGS.matcher(s).replaceAll("");
        s = dropBalanced(s);
        s = links(s);
        s = EXTERNAL.matcher(s).replaceAll(m -> m.group(1) == null ? "" : Matcher.quoteReplacement(m.group(1)));
        s = QUOTES.matcher(s).replaceAll("");
        s = BR.matcher(s).replaceAll("\n"); // a line break, not glue between words
        s = TAG.matcher(s).replaceAll("");
        s = SWITCH.matcher(s).replaceAll("");
        s = HtmlEntities.decode(s);
        return lines(s);
    }

    /** Drops templates and tables, both nestable and nested in each other. */
    private static String dropBalanced(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("{{", i) || (s.startsWith("{|", i) && atLineStart(s, i))) {
                int end = balancedEnd(s, i);
                if (end > 0) {
                    i = end;
                    continue;
                }
            }
            out.append(s.charAt(i++));
        }
        return out.toString();
    }

    /** The index after the {@code }}} or {@code |}} closing the template or table opened at {@code i}, or -1. */
    private static int balancedEnd(String s, int i) {
        int depth = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("{{", i)) { depth++; i += 2; }
            else if (s.startsWith("{|", i) && atLineStart(s, i)) { depth++; i += 2; }
            else if (s.startsWith("}}", i)) { depth--; i += 2; if (depth == 0) return i; }
            else if (s.startsWith("|}", i) && atLineStart(s, i)) { depth--; i += 2; if (depth == 0) return i; }
            else i++;
        }
        return -1;
    }

    private static boolean atLineStart(String s, int i) {
        for (int j = i - 1; j >= 0; j--) {
            char c = s.charAt(j);
            if (c == '\n') return true;
            if (c != ' ' && c != '\t') return false;
        }
        return true;
    }

    /** Replaces internal links by their text, dropping file/category/interlanguage links (whose captions nest links). */
    private static String links(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("[[", i)) {
                int end = linkEnd(s, i);
                if (end > 0) {
                    out.append(linkText(s.substring(i + 2, end - 2)));
                    i = end;
                    continue;
                }
            }
            out.append(s.charAt(i++));
        }
        return out.toString();
    }

    private static int linkEnd(String s, int i) {
        int depth = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("[[", i)) { depth++; i += 2; }
            else if (s.startsWith("]]", i)) { depth--; i += 2; if (depth == 0) return i; }
            else if (s.charAt(i) == '\n' && s.startsWith("\n\n", i)) return -1; // a link never spans paragraphs
            else i++;
        }
        return -1;
    }

    private static String linkText(String inner) {
        boolean leadingColon = inner.startsWith(":");
        String body = leadingColon ? inner.substring(1) : inner;
        int colon = body.indexOf(':'), pipe = body.indexOf('|');
        if (!leadingColon && colon > 0 && (pipe < 0 || colon < pipe)) {
            String ns = body.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (DROPPED_NAMESPACES.contains(ns) || INTERWIKI.matcher(ns).matches()) return "";
        }
        if (pipe < 0) return links(body);
        String label = body.substring(pipe + 1);
        if (label.isBlank()) { // the pipe trick: [[Paris (France)|]] shows "Paris"
            String t = body.substring(0, pipe);
            int paren = t.indexOf(" (");
            return paren > 0 ? t.substring(0, paren) : t;
        }
        return links(label);
    }

    /** Line-level markup: headings, list markers, rules; blank runs collapsed; empty sections' headings dropped. */
    private static String lines(String s) {
        String[] lines = s.split("\n", -1);
        int[] level = new int[lines.length]; // heading level, 0 for text
        String[] text = new String[lines.length];
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            Matcher h = HEADING.matcher(l);
            if (h.matches() && !h.group(2).isEmpty()) {
                level[i] = h.group(1).length();
                text[i] = h.group(2).strip();
                continue;
            }
            if (l.equals("----") || l.matches("-{4,}")) l = "";
            int k = 0;
            while (k < l.length() && "*#:;".indexOf(l.charAt(k)) >= 0) k++;
            text[i] = l.substring(k).strip();
        }
        StringBuilder out = new StringBuilder(s.length());
        boolean blank = false;
        for (int i = 0; i < lines.length; i++) {
            if (level[i] > 0 && !sectionHasText(level, text, i)) continue;
            String t = text[i];
            if (t.isEmpty()) {
                blank = out.length() > 0;
                continue;
            }
            if (out.length() > 0) out.append(blank || level[i] > 0 ? "\n\n" : "\n");
            out.append(t);
            blank = level[i] > 0;
        }
        return out.toString();
    }

    private static boolean sectionHasText(int[] level, String[] text, int h) {
        for (int j = h + 1; j < level.length; j++) {
            if (level[j] > 0 && level[j] <= level[h]) return false;
            if (level[j] == 0 && !text[j].isEmpty()) return true;
        }
        return false;
    }
}
