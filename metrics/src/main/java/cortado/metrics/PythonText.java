package cortado.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three string operations of Python that the reference metrics lean on, with Python's exact semantics:
 * {@code str.split()} and {@code str.strip()} (whitespace is what {@code str.isspace()} accepts, wider than Java's
 * {@code \s}: it includes U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and
 * U+3000) and {@code str.lower()} (full Unicode case mapping, which Java's root-locale lower case also applies).
 */
public final class PythonText {
    private PythonText() {}

    /** Python's {@code str.isspace()} for one code point (CPython's {@code _Py_ascii_whitespace} plus Zs/B/S/WS). */
    public static boolean isSpace(int c) {
        if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** {@code s.split()}: the runs of non-whitespace, in order. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length(), i = 0;
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++; // every whitespace code point is in the BMP
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** {@code " ".join(s.split())}. */
    public static String squeeze(String s) {
        return String.join(" ", split(s));
    }

    /** {@code "".join(s.split())}: every whitespace character removed. */
    public static String removeSpaces(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) if (!isSpace(s.charAt(i))) b.append(s.charAt(i));
        return b.toString();
    }

    /** {@code s.strip()}. */
    public static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isSpace(s.charAt(a))) a++;
        while (b > a && isSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    /** {@code s.rstrip()}. */
    public static String rstrip(String s) {
        int b = s.length();
        while (b > 0 && isSpace(s.charAt(b - 1))) b--;
        return s.substring(0, b);
    }

    /** {@code s.lower()}. */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
