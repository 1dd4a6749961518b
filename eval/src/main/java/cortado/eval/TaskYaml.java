package cortado.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The YAML that lm-eval-harness task files are written in, as far as they use it: block mappings and sequences by
 * indentation (sequence items may be mappings), plain, single- and double-quoted scalars (YAML 1.1 escapes),
 * literal ({@code |}) and folded ({@code >}) block scalars with their chomping indicators, flow sequences of scalars
 * ({@code [a, "b"]}), comments, and plain scalars typed as PyYAML types them (null, booleans, integers, floats).
 * Anchors, aliases, tags (lm-eval's {@code !function}: Python code, which Cortado cannot run) and multi-document
 * files are refused. Every error names the file and line.
 */
final class TaskYaml {
    private record Line(int number, int indent, String text) {}

    private final String file;
    private final List<Line> lines = new ArrayList<>();
    private int pos;

    private TaskYaml(String file, String text) {
        this.file = file;
        String[] raw = text.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i];
            if (l.indexOf('\t') >= 0 && l.substring(0, indentOf(l)).indexOf('\t') >= 0)
                throw error(i + 1, "tabs are not allowed in YAML indentation");
            lines.add(new Line(i + 1, indentOf(l), l));
        }
    }

    /** The top-level mapping of a task file; {@code file} names it in errors. */
    static Map<String, Object> parse(String text, String file) {
        TaskYaml y = new TaskYaml(file, text);
        y.skipBlank();
        if (y.pos >= y.lines.size()) return new LinkedHashMap<>();
        Line first = y.lines.get(y.pos);
        if (first.text.strip().startsWith("- ") || first.text.strip().equals("-"))
            throw y.error(first.number, "a task file is a mapping (key: value lines), not a list");
        Object v = y.block(first.indent);
        y.skipBlank();
        if (y.pos < y.lines.size()) throw y.error(y.lines.get(y.pos).number, "unexpected indentation");
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    private static int indentOf(String l) {
        int i = 0;
        while (i < l.length() && (l.charAt(i) == ' ' || l.charAt(i) == '\t')) i++;
        return i;
    }

    private IllegalArgumentException error(int line, String msg) {
        return new IllegalArgumentException(file + ":" + line + ": " + msg);
    }

    private static boolean blank(Line l) {
        String s = l.text.strip();
        return s.isEmpty() || s.startsWith("#");
    }

    private void skipBlank() {
        while (pos < lines.size()) {
            Line l = lines.get(pos);
            String s = l.text.strip();
            if (s.equals("---") && pos == 0) { pos++; continue; }
            if (s.equals("---") || s.equals("...")) throw error(l.number, "several YAML documents in one task file");
            if (!blank(l)) return;
            pos++;
        }
    }

    /** A mapping or a sequence whose lines start at column {@code indent}. */
    private Object block(int indent) {
        Line l = lines.get(pos);
        String s = l.text.substring(l.indent);
        return s.equals("-") || s.startsWith("- ") ? sequence(indent) : mapping(indent, null);
    }

    private List<Object> sequence(int indent) {
        List<Object> out = new ArrayList<>();
        while (true) {
            skipBlank();
            if (pos >= lines.size()) return out;
            Line l = lines.get(pos);
            if (l.indent < indent) return out;
            if (l.indent > indent) throw error(l.number, "unexpected indentation");
            String s = l.text.substring(l.indent);
            if (!(s.equals("-") || s.startsWith("- "))) return out;
            String rest = s.substring(1).stripLeading();
            int itemIndent = l.indent + (s.length() - rest.length());
            if (rest.isEmpty() || rest.startsWith("#")) {
                pos++;
                skipBlank();
                if (pos >= lines.size() || lines.get(pos).indent <= indent) out.add(null);
                else out.add(block(lines.get(pos).indent));
            } else if (keyEnd(rest) >= 0) {
                out.add(mapping(itemIndent, rest));   // "- key: value" starts a mapping at the item's column
            } else {
                pos++;
                out.add(value(rest, l, indent));
            }
        }
    }

    /**
     * A mapping at column {@code indent}; {@code firstText} is its first entry when it starts after a sequence dash
     * on the current line.
     */
    private Map<String, Object> mapping(int indent, String firstText) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean first = firstText != null;
        while (true) {
            String s;
            Line l;
            if (first) {
                l = lines.get(pos);
                s = firstText;
                first = false;
            } else {
                skipBlank();
                if (pos >= lines.size()) return out;
                l = lines.get(pos);
                if (l.indent < indent) return out;
                if (l.indent > indent) throw error(l.number, "unexpected indentation");
                s = l.text.substring(l.indent);
                if (s.equals("-") || s.startsWith("- ")) return out;
            }
            int colon = keyEnd(s);
            if (colon < 0) throw error(l.number, "expected 'key: value', got '" + s.strip() + "'");
            String key = String.valueOf(scalar(s.substring(0, colon).strip(), l));
            if (out.containsKey(key)) throw error(l.number, "duplicate key '" + key + "'");
            String rest = s.substring(colon + 1).strip();
            pos++;
            if (rest.isEmpty() || rest.startsWith("#")) {
                skipBlank();
                if (pos < lines.size() && (lines.get(pos).indent > indent
                        || lines.get(pos).indent == indent && isDash(lines.get(pos)))) {
                    out.put(key, block(lines.get(pos).indent));
                } else out.put(key, null);
            } else {
                out.put(key, value(rest, l, indent));
            }
        }
    }

    private static boolean isDash(Line l) {
        String s = l.text.substring(l.indent);
        return s.equals("-") || s.startsWith("- ");
    }

    /** The index of the colon ending a mapping key ("key:" then space or end), outside quotes; -1 if none. */
    private static int keyEnd(String s) {
        char q = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (q != 0) {
                if (c == q) q = 0;
                continue;
            }
            if ((c == '"' || c == '\'') && i == 0) { q = c; continue; }
            if (c == '#' && i > 0 && s.charAt(i - 1) == ' ') return -1;
            if (c == ':' && (i + 1 == s.length() || s.charAt(i + 1) == ' ')) return i;
        }
        return -1;
    }

    /** The value after "key:" or "- " on line {@code l}: an inline scalar or flow sequence, or a block scalar. */
    private Object value(String rest, Line l, int parentIndent) {
        char c = rest.charAt(0);
        if (c == '&' || c == '*') throw error(l.number, "YAML anchors and aliases are not supported");
        if (c == '!') {
            throw error(l.number, "YAML tag '" + rest.split("\\s+")[0] + "' is not supported"
                    + (rest.startsWith("!function") ? " (!function runs Python code; write the field as a Jinja template)" : ""));
        }
        if (c == '|' || c == '>') return blockScalar(rest, l, parentIndent);
        if (c == '[') return flowSequence(stripComment(rest), l);
        if (c == '{') {
            String f = stripComment(rest);
            if (f.equals("{}")) return new LinkedHashMap<>();
            throw error(l.number, "flow mappings ({...}) are not supported; write the mapping as indented lines");
        }
        if (c == '"' || c == '\'') {
            int end = quotedEnd(rest, l);
            String tail = rest.substring(end).strip();
            if (!tail.isEmpty() && !tail.startsWith("#")) throw error(l.number, "text after a quoted string: '" + tail + "'");
            return unquote(rest.substring(0, end), l);
        }
        String plain = stripComment(rest);
        // a plain scalar may continue on more-indented lines (folded with single spaces)
        StringBuilder b = new StringBuilder(plain);
        while (pos < lines.size() && !blank(lines.get(pos)) && lines.get(pos).indent > parentIndent
                && keyEnd(lines.get(pos).text.strip()) < 0 && !isDash(lines.get(pos))) {
            b.append(' ').append(stripComment(lines.get(pos).text.strip()));
            pos++;
        }
        return scalar(b.toString(), l);
    }

    private static String stripComment(String s) {
        for (int i = 1; i < s.length(); i++) if (s.charAt(i) == '#' && s.charAt(i - 1) == ' ') return s.substring(0, i).strip();
        return s.strip();
    }

    private int quotedEnd(String s, Line l) {
        char q = s.charAt(0);
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (q == '"' && c == '\\') { i++; continue; }
            if (c == q) {
                if (q == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') { i++; continue; }
                return i + 1;
            }
        }
        throw error(l.number, "unterminated " + (q == '"' ? "double" : "single") + "-quoted string"
                + " (multi-line quoted strings are not supported)");
    }

    private String unquote(String s, Line l) {
        String body = s.substring(1, s.length() - 1);
        if (s.charAt(0) == '\'') return body.replace("''", "'");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') { b.append(c); continue; }
            if (++i >= body.length()) throw error(l.number, "a double-quoted string ends in a backslash");
            char e = body.charAt(i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '0' -> b.append('\0');
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'e' -> b.append('\u001b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append('\u000b');
                case ' ' -> b.append(' ');
                case '/' -> b.append('/');
                case '"' -> b.append('"');
                case '\\' -> b.append('\\');
                case 'N' -> b.append('\u0085');
                case '_' -> b.append('\u00a0');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + 1 + n > body.length()) throw error(l.number, "short \\" + e + " escape");
                    try {
                        b.appendCodePoint(Integer.parseInt(body.substring(i + 1, i + 1 + n), 16));
                    } catch (RuntimeException ex) {
                        throw error(l.number, "bad \\" + e + " escape");
                    }
                    i += n;
                }
                default -> throw error(l.number, "unknown escape \\" + e + " in a double-quoted string");
            }
        }
        return b.toString();
    }

    private List<Object> flowSequence(String s, Line l) {
        if (!s.endsWith("]")) throw error(l.number, "a flow sequence must close on its line with ']'");
        List<Object> out = new ArrayList<>();
        String body = s.substring(1, s.length() - 1).strip();
        if (body.isEmpty()) return out;
        int i = 0;
        while (i <= body.length()) {
            while (i < body.length() && body.charAt(i) == ' ') i++;
            if (i >= body.length()) throw error(l.number, "empty item in a flow sequence");
            char c = body.charAt(i);
            int end;
            Object item;
            if (c == '"' || c == '\'') {
                end = i + quotedEnd(body.substring(i), l);
                item = unquote(body.substring(i, end), l);
            } else {
                if (c == '[' || c == '{') throw error(l.number, "nested flow collections are not supported");
                end = body.indexOf(',', i);
                if (end < 0) end = body.length();
                item = scalar(body.substring(i, end).strip(), l);
            }
            out.add(item);
            while (end < body.length() && body.charAt(end) == ' ') end++;
            if (end >= body.length()) break;
            if (body.charAt(end) != ',') throw error(l.number, "expected ',' in a flow sequence");
            i = end + 1;
        }
        return out;
    }

    /** {@code |} keeps line breaks, {@code >} folds them into spaces; {@code -} strips the final ones, {@code +} keeps all. */
    private String blockScalar(String header, Line l, int parentIndent) {
        String h = stripComment(header);
        boolean literal = h.charAt(0) == '|';
        char chomp = 0;
        for (char c : h.substring(1).toCharArray()) {
            if (c == '-' || c == '+') chomp = c;
            else throw error(l.number, "unsupported block scalar header '" + h + "'");
        }
        List<String> body = new ArrayList<>();
        int indent = -1;
        while (pos < lines.size()) {
            Line x = lines.get(pos);
            if (x.text.isBlank()) { body.add(""); pos++; continue; }
            if (indent < 0) indent = x.indent;
            if (x.indent < indent || x.indent <= parentIndent) break;
            body.add(x.text.substring(indent));
            pos++;
        }
        int trailing = 0;
        while (trailing < body.size() && body.get(body.size() - 1 - trailing).isEmpty()) trailing++;
        List<String> content = body.subList(0, body.size() - trailing);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            String s = content.get(i);
            if (i > 0) {
                String prev = content.get(i - 1);
                // folding: a break between two text lines becomes a space; each empty line stands for one break
                if (literal || s.isEmpty() || s.startsWith(" ") || prev.startsWith(" ")) b.append('\n');
                else if (!prev.isEmpty()) b.append(' ');
            }
            b.append(s);
        }
        if (!content.isEmpty()) {
            if (chomp == '+') b.append("\n".repeat(trailing + 1));
            else if (chomp != '-') b.append('\n');
        }
        return b.toString();
    }

    /** A plain scalar typed as PyYAML's resolver (YAML 1.1) types the common cases. */
    private Object scalar(String s, Line l) {
        if (s.startsWith("\"") || s.startsWith("'")) return unquote(s, l);
        switch (s) {
            case "", "~", "null", "Null", "NULL" -> { return null; }
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" -> { return Boolean.TRUE; }
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" -> { return Boolean.FALSE; }
            default -> { }
        }
        if (s.matches("[-+]?(0|[1-9][0-9_]*)")) {
            String digits = s.replace("_", "").replace("+", "");
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                return Double.parseDouble(digits);   // beyond a long, as the JSON reader does
            }
        }
        if (s.matches("[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+][0-9]+)?")) return Double.parseDouble(s.replace("_", ""));
        if (s.matches("[-+]?\\.(inf|Inf|INF)")) return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (s.matches("\\.(nan|NaN|NAN)")) return Double.NaN;
        return s;
    }
}
