package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into {@link Token}s the way Jinja's lexer does with transformers' settings
 * ({@code trim_blocks=True, lstrip_blocks=True}, {@code keep_trailing_newline=False}):
 * <ul>
 *   <li>{@code \r\n} and {@code \r} become {@code \n}, and one trailing newline of the source is dropped;</li>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag; {@code -%}}, {@code -}}},
 *       {@code -#}} all whitespace after it;</li>
 *   <li>trim_blocks: the first newline after {@code %}} or {@code #}} is dropped (not after {@code }}}; {@code +%}}
 *       keeps it);</li>
 *   <li>lstrip_blocks: spaces and tabs from the start of a line up to {@code {%} or {@code {#} are dropped
 *       ({@code {%+} keeps them);</li>
 *   <li>comments vanish; {@code {% raw %}...{% endraw %}} is text.</li>
 * </ul>
 * Inside a tag, a closing {@code }}} or {@code %}} inside open brackets belongs to the expression, as in Jinja.
 */
final class Lexer {
    private final String src;
    private final String name;
    private final Position.Index index;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    /** Jinja's {@code line_starting}: the previous match ended with a newline (true at the start). */
    private boolean lineStarting = true;

    private Lexer(String src, String name) {
        this.src = src;
        this.name = name;
        this.index = new Position.Index(src);
    }

    /** The source as Jinja sees it: newlines normalized, one trailing newline removed. */
    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        return s;
    }

    /** Tokens of an already {@link #normalize normalized} source, ending with {@link Token.Kind#END}. */
    static List<Token> tokenize(String normalizedSource, String name) {
        Lexer l = new Lexer(normalizedSource, name);
        l.run();
        return l.out;
    }

    private TemplateException error(String msg, int at) {
        Position p = index.at(at);
        return new TemplateException(msg, name, p.line(), p.column());
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emit(Token.Kind.DATA, src.substring(pos), pos);
                pos = src.length();
                break;
            }
            char type = src.charAt(tag + 1);
            int after = tag + 2;
            char sign = after < src.length() ? src.charAt(after) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = PythonStrings.rstrip(text);
            } else if (sign != '+' && type != '{') {
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && PythonStrings.allSpace(text, lpos)) text = text.substring(0, lpos);
            }
            if (!text.isEmpty()) emit(Token.Kind.DATA, text, pos);
            int body = hasSign ? after + 1 : after;
            lineStarting = false;
            switch (type) {
                case '#' -> comment(tag, body);
                case '{' -> tag(tag, body, Token.Kind.VARIABLE_BEGIN, Token.Kind.VARIABLE_END, '}');
                default -> {
                    if (!raw(tag, body, sign)) tag(tag, body, Token.Kind.BLOCK_BEGIN, Token.Kind.BLOCK_END, '%');
                }
            }
        }
        out.add(new Token(Token.Kind.END, "", index.at(src.length())));
    }

    private int nextTagStart(int from) {
        for (int i = from; i + 1 < src.length(); i++) {
            if (src.charAt(i) != '{') continue;
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    private void emit(Token.Kind k, String text, int at) {
        out.add(new Token(k, text, index.at(at)));
    }

    /** After a closing {@code %}} or {@code #}}: whitespace control of the end tag; returns the new position. */
    private int afterBlockEnd(int closeStart, int closeEnd, boolean trimNewline) {
        char before = closeStart > 0 ? src.charAt(closeStart - 1) : 0;
        int p = closeEnd;
        if (before == '-') {
            while (p < src.length() && PythonStrings.isSpace(src.charAt(p))) p++;
        } else if (before != '+' && trimNewline && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        lineStarting = p > 0 && src.charAt(p - 1) == '\n' && p > closeEnd;
        return p;
    }

    private void comment(int tag, int body) {
        int end = src.indexOf("#}", body);
        if (end < 0) throw error("missing end of comment tag '#}'", tag);
        int close = end;
        boolean signed = end > body && (src.charAt(end - 1) == '-' || src.charAt(end - 1) == '+');
        pos = afterBlockEnd(signed ? end : close, end + 2, true);
    }

    /** {@code {% raw %}...{% endraw %}}: everything between is text. Returns false if this tag is not raw. */
    private boolean raw(int tag, int body, char sign) {
        int p = skipSpace(body);
        if (!src.startsWith("raw", p)) return false;
        p = skipSpace(p + 3);
        int open;
        if (src.startsWith("-%}", p)) {
            open = skipSpace(p + 3);
        } else if (src.startsWith("%}", p)) {
            open = p + 2;
        } else return false;
        // Find {%[-+]? endraw [-+]?%}
        int search = open;
        while (true) {
            int t = src.indexOf("{%", search);
            if (t < 0) throw error("missing end of raw directive ('{% endraw %}')", tag);
            int q = t + 2;
            char s2 = q < src.length() ? src.charAt(q) : 0;
            if (s2 == '-' || s2 == '+') q++;
            q = skipSpace(q);
            if (!src.startsWith("endraw", q)) { search = t + 2; continue; }
            q = skipSpace(q + 6);
            int closeStart;
            if (q < src.length() && (src.charAt(q) == '-' || src.charAt(q) == '+') && src.startsWith("%}", q + 1)) closeStart = q + 1;
            else if (src.startsWith("%}", q)) closeStart = q;
            else { search = t + 2; continue; }
            String text = src.substring(open, t);
            if (s2 == '-') text = PythonStrings.rstrip(text);
            else if (s2 != '+') {
                int lpos = text.lastIndexOf('\n') + 1;
                if (lpos > 0 && PythonStrings.allSpace(text, lpos)) text = text.substring(0, lpos);
            }
            if (!text.isEmpty()) emit(Token.Kind.DATA, text, open);
            pos = afterBlockEnd(closeStart, closeStart + 2, true);
            return true;
        }
    }

    private int skipSpace(int p) {
        while (p < src.length() && PythonStrings.isSpace(src.charAt(p))) p++;
        return p;
    }

    /** The inside of {@code {{ }}} or {@code {% %}}: expression tokens up to the matching end delimiter. */
    private void tag(int tag, int body, Token.Kind begin, Token.Kind end, char closer) {
        emit(begin, begin == Token.Kind.VARIABLE_BEGIN ? "{{" : "{%", tag);
        int p = body;
        int depth = 0;
        while (true) {
            if (p >= src.length()) throw error("unexpected end of template: tag opened here is never closed", tag);
            char c = src.charAt(p);
            if (depth == 0) {
                // end delimiter, optionally with a sign: checked first, as Jinja's rules do
                int closeStart = -1;
                if ((c == '-' || c == '+') && src.startsWith(closer + "}", p + 1)) closeStart = p + 1;
                else if (c == closer && p + 1 < src.length() && src.charAt(p + 1) == '}') closeStart = p;
                if (closeStart >= 0 && !(c == '+' && closer == '}')) {
                    emit(end, closer + "}", closeStart);
                    if (closer == '%') pos = afterBlockEnd(closeStart, closeStart + 2, true);
                    else {
                        int q = closeStart + 2;
                        if (c == '-') q = skipSpace(q);
                        lineStarting = q > closeStart + 2 && src.charAt(q - 1) == '\n';
                        pos = q;
                    }
                    return;
                }
            }
            if (PythonStrings.isSpace(c)) { p++; continue; }
            if (c == '\'' || c == '"') { p = string(p); continue; }
            if (c >= '0' && c <= '9') { p = number(p); continue; }
            if (c == '_' || Character.isLetter(c)) {
                int s = p;
                while (p < src.length() && (src.charAt(p) == '_' || Character.isLetterOrDigit(src.charAt(p)))) p++;
                emit(Token.Kind.NAME, src.substring(s, p), s);
                continue;
            }
            String op = operator(p);
            if (op == null) throw error("unexpected character '" + c + "' in tag", p);
            switch (op) {
                case "(", "[", "{" -> depth++;
                case ")", "]", "}" -> { if (depth > 0) depth--; }
                default -> { }
            }
            emit(Token.Kind.OPERATOR, op, p);
            p += op.length();
        }
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"
    };

    private String operator(int p) {
        for (String op : OPERATORS) if (src.startsWith(op, p)) return op;
        return null;
    }

    /** A quoted string literal with Python escapes (Jinja decodes them with "unicode-escape"). */
    private int string(int p) {
        char q = src.charAt(p);
        StringBuilder b = new StringBuilder();
        int i = p + 1;
        while (true) {
            if (i >= src.length()) throw error("unterminated string literal", p);
            char c = src.charAt(i);
            if (c == q) break;
            if (c == '\\' && i + 1 < src.length()) {
                char e = src.charAt(i + 1);
                i += 2;
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '\\' -> b.append('\\');
                    case '\'' -> b.append('\'');
                    case '"' -> b.append('"');
                    case 'a' -> b.append('\u0007');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'v' -> b.append('\u000b');
                    case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                        int v = e - '0', k = 1;
                        while (k < 3 && i < src.length() && src.charAt(i) >= '0' && src.charAt(i) <= '7') {
                            v = v * 8 + (src.charAt(i) - '0');
                            i++;
                            k++;
                        }
                        b.append((char) v);
                    }
                    case '\n' -> { } // line continuation
                    case 'x', 'u', 'U' -> {
                        int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                        if (i + len > src.length()) throw error("truncated \\" + e + " escape", i - 2);
                        int cp;
                        try {
                            cp = Integer.parseUnsignedInt(src.substring(i, i + len), 16);
                        } catch (NumberFormatException ex) {
                            throw error("bad \\" + e + " escape", i - 2);
                        }
                        if (!Character.isValidCodePoint(cp)) throw error("bad \\" + e + " escape", i - 2);
                        b.appendCodePoint(cp);
                        i += len;
                    }
                    default -> b.append('\\').append(e);
                }
                continue;
            }
            b.append(c);
            i++;
        }
        emit(Token.Kind.STRING, b.toString(), p);
        return i + 1;
    }

    /** An integer or float literal (digits may be grouped with '_', as Jinja allows). */
    private int number(int p) {
        int s = p;
        p = digits(p);
        boolean isFloat = false;
        if (p + 1 < src.length() && src.charAt(p) == '.' && Character.isDigit(src.charAt(p + 1))) {
            isFloat = true;
            p = digits(p + 1);
        }
        if (p < src.length() && (src.charAt(p) == 'e' || src.charAt(p) == 'E')) {
            int q = p + 1;
            if (q < src.length() && (src.charAt(q) == '+' || src.charAt(q) == '-')) q++;
            if (q < src.length() && Character.isDigit(src.charAt(q))) {
                isFloat = true;
                p = digits(q);
            }
        }
        String t = src.substring(s, p).replace("_", "");
        emit(isFloat ? Token.Kind.FLOAT : Token.Kind.INTEGER, t, s);
        return p;
    }

    private int digits(int p) {
        while (p < src.length() && (Character.isDigit(src.charAt(p))
                || (src.charAt(p) == '_' && p + 1 < src.length() && Character.isDigit(src.charAt(p + 1))))) p++;
        return p;
    }
}
