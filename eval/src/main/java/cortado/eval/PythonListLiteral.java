package cortado.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code ast.literal_eval} for what a Jinja {@code doc_to_choice} template renders: a list literal of
 * strings and numbers as Python's {@code repr} writes it ({@code ['a', "b's", 3]}); lm-eval evaluates the rendered
 * template this way to get the choices. Numbers are kept as their text.
 */
final class PythonListLiteral {
    private PythonListLiteral() {}

    static List<String> parse(String s) {
        String t = s.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) throw new IllegalArgumentException("not a Python list literal: " + s);
        List<String> out = new ArrayList<>();
        int i = 1, end = t.length() - 1;
        while (true) {
            while (i < end && Character.isWhitespace(t.charAt(i))) i++;
            if (i >= end) return out;
            char c = t.charAt(i);
            StringBuilder b = new StringBuilder();
            if (c == '\'' || c == '"') {
                i++;
                while (i < end && t.charAt(i) != c) {
                    char x = t.charAt(i++);
                    if (x != '\\') { b.append(x); continue; }
                    if (i >= end) throw new IllegalArgumentException("bad escape in " + s);
                    char e = t.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case '\\', '\'', '"' -> b.append(e);
                        case 'x', 'u', 'U' -> {
                            int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                            if (i + n > end) throw new IllegalArgumentException("bad \\" + e + " escape in " + s);
                            b.appendCodePoint(Integer.parseInt(t.substring(i, i + n), 16));
                            i += n;
                        }
                        default -> b.append('\\').append(e);   // Python keeps unknown escapes as written
                    }
                }
                if (i >= end) throw new IllegalArgumentException("unterminated string in " + s);
                i++;
            } else {
                while (i < end && t.charAt(i) != ',' && !Character.isWhitespace(t.charAt(i))) b.append(t.charAt(i++));
                if (!b.toString().matches("[-+]?[0-9.eE+-]+")) throw new IllegalArgumentException("not a string or number: '" + b + "' in " + s);
            }
            out.add(b.toString());
            while (i < end && Character.isWhitespace(t.charAt(i))) i++;
            if (i < end && t.charAt(i) != ',') throw new IllegalArgumentException("expected ',' in " + s);
            i++;
        }
    }
}
