package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code str} methods that templates call ({@code strip}, {@code split}, {@code title}, ...), with Python's
 * definition of whitespace ({@code str.isspace}), which differs from Java's: it includes U+00A0 and U+202F and
 * U+0085, for example.
 */
final class PythonStrings {
    private PythonStrings() {}

    static boolean isSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000b', '\f', '\r', '\u001c', '\u001d', '\u001e', '\u001f', ' ', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    /** True when {@code s[from:]} is all whitespace (or empty). */
    static boolean allSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) if (!isSpace(s.charAt(i))) return false;
        return true;
    }

    static String strip(String s) { return rstrip(lstrip(s)); }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) i++;
        return s.substring(i);
    }

    static String rstrip(String s) {
        int j = s.length();
        while (j > 0 && isSpace(s.charAt(j - 1))) j--;
        return s.substring(0, j);
    }

    /** {@code str.strip(chars)} etc.: strips any of {@code chars} (null: whitespace). mode: 'l', 'r' or 'b'. */
    static String strip(String s, String chars, char mode) {
        if (chars == null) return mode == 'l' ? lstrip(s) : mode == 'r' ? rstrip(s) : strip(s);
        int i = 0, j = s.length();
        if (mode != 'r') while (i < j && chars.indexOf(s.charAt(i)) >= 0) i++;
        if (mode != 'l') while (j > i && chars.indexOf(s.charAt(j - 1)) >= 0) j--;
        return s.substring(i, j);
    }

    /** {@code str.split(sep, maxsplit)}; sep null splits on runs of whitespace and drops empty ends. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() >= maxsplit) { out.add(rstrip(s.substring(i))); break; }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int i = 0;
        while (true) {
            int k = s.indexOf(sep, i);
            if (k < 0 || (maxsplit >= 0 && out.size() >= maxsplit)) { out.add(s.substring(i)); break; }
            out.add(s.substring(i, k));
            i = k + sep.length();
        }
        return out;
    }

    /** {@code str.rsplit(sep, maxsplit)}. */
    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() >= maxsplit) { out.add(0, lstrip(s.substring(0, j))); break; }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) i--;
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        List<Object> all = split(s, sep, -1);
        int extra = all.size() - 1 - (int) Math.min(maxsplit, Integer.MAX_VALUE);
        if (extra <= 0) return all;
        List<String> head = new ArrayList<>();
        for (Object o : all.subList(0, extra + 1)) head.add((String) o);
        out.add(String.join(sep, head));
        out.addAll(all.subList(extra + 1, all.size()));
        return out;
    }

    /** {@code str.splitlines()} without keepends. */
    static List<Object> splitlines(String s) {
        List<Object> out = new ArrayList<>();
        int i = 0, start = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean br = c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || c == '\u001c' || c == '\u001d'
                    || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (!br) { i++; continue; }
            out.add(s.substring(start, i));
            i += (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') ? 2 : 1;
            start = i;
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    /** {@code str.title()}: a letter after a non-letter is upper-cased, other letters lower-cased. */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isLetter(cp) && (Character.isUpperCase(cp) || Character.isLowerCase(cp)
                    || Character.isTitleCase(cp));
            if (cased) b.append(prevCased ? new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT)
                    : new String(Character.toChars(Character.toTitleCase(cp))));
            else b.appendCodePoint(cp);
            prevCased = cased;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    /** {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        int n = Character.charCount(cp);
        return new String(Character.toChars(Character.toTitleCase(cp))) + lower(s.substring(n));
    }

    static String upper(String s) { return s.toUpperCase(java.util.Locale.ROOT); }

    static String lower(String s) { return s.toLowerCase(java.util.Locale.ROOT); }

    /** {@code str.replace(old, new, count)}; count < 0 replaces all. */
    static String replace(String s, String old, String rep, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder b = new StringBuilder(rep);
                for (int i = 0; i < s.length(); i++) b.append(s.charAt(i)).append(rep);
                return b.toString();
            }
            return s.replace(old, rep);
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        long done = 0;
        if (old.isEmpty()) {
            while (done < count && i <= s.length()) {
                b.append(rep);
                if (i < s.length()) b.append(s.charAt(i));
                i++;
                done++;
            }
            if (i < s.length()) b.append(s, i, s.length());
            return b.toString();
        }
        while (done < count) {
            int k = s.indexOf(old, i);
            if (k < 0) break;
            b.append(s, i, k).append(rep);
            i = k + old.length();
            done++;
        }
        return b.append(s, i, s.length()).toString();
    }

    /** Python's {@code repr(str)}: single quotes unless the text has a single quote and no double quote. */
    static String repr(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == q || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append(q).toString();
    }
}
