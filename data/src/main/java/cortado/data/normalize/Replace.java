package cortado.data.normalize;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HF's {@code Replace} normalizer (and decoder): every match of a literal string or a regex becomes {@code content}.
 * The regex is already in java.util.regex syntax (see cortado.data.tokenizer.RegexPreTokenizer#toJava).
 */
public final class Replace implements TextNormalizer {
    private final Pattern pattern;
    private final String literal;
    private final String content;

    private Replace(Pattern pattern, String literal, String content) {
        this.pattern = pattern;
        this.literal = literal;
        this.content = content;
    }

    public static Replace literal(String pattern, String content) { return new Replace(null, pattern, content); }

    public static Replace regex(Pattern pattern, String content) { return new Replace(pattern, null, content); }

    @Override
    public String normalize(String text) {
        if (literal != null) return literal.isEmpty() ? text : text.replace(literal, content);
        Matcher m = pattern.matcher(text);
        StringBuilder b = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            b.append(text, last, m.start()).append(content);
            last = m.end();
        }
        return b.append(text, last, text.length()).toString();
    }
}
