package cortado.data.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Pre-tokenization by a regular expression written for tiktoken / Hugging Face (Rust {@code regex} and
 * {@code fancy-regex}, both leftmost-first backtracking like java.util.regex). Three differences are translated:
 * Rust's {@code \s} is Unicode White_Space (Java's is ASCII unless UNICODE_CHARACTER_CLASS), Rust's {@code (?i)} folds
 * case by Unicode ({@code 'ſ} matches {@code 's}; Java needs the {@code u} flag), and Rust's {@code $} is the end of
 * the text (Java's may also match before a final line terminator, so it becomes {@code \z}). Matches that are not
 * contiguous leave the gap out, as tiktoken's findall does.
 */
public final class RegexPreTokenizer implements PreTokenizer {
    private final String source;
    private final Pattern pattern;
    private final boolean keepGaps;

    /** tiktoken's findall: text between matches is dropped. */
    public RegexPreTokenizer(String rustPattern) { this(rustPattern, false); }

    /** @param keepGaps also emit the text between matches as pieces (HF's Split with behavior Isolated) */
    public RegexPreTokenizer(String rustPattern, boolean keepGaps) {
        this.source = rustPattern;
        this.keepGaps = keepGaps;
        try {
            this.pattern = Pattern.compile(toJava(rustPattern), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException("pre-tokenization pattern does not compile: " + e.getDescription()
                    + " in " + rustPattern);
        }
    }

    /** The pattern as given (Rust syntax). */
    public String source() { return source; }

    @Override
    public void split(String text, int from, int to, Pieces out) {
        Matcher m = pattern.matcher(text);
        m.region(from, to);
        int last = from;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (keepGaps && m.start() > last) out.piece(last, m.start());
            out.piece(m.start(), m.end());
            last = m.end();
        }
        if (keepGaps && last < to) out.piece(last, to);
    }

    /** Rewrites the Rust-only parts of a pattern into java.util.regex syntax (see the class comment). */
    static String toJava(String p) {
        StringBuilder b = new StringBuilder(p.length() + 16);
        int depth = 0;  // inside a [...] class
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                b.append(c).append(p.charAt(++i));
            } else if (c == '[') {
                depth++;
                b.append(c);
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') b.append(p.charAt(++i));
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') b.append(p.charAt(++i));  // literal ] first
            } else if (c == ']' && depth > 0) {
                depth--;
                b.append(c);
            } else if (depth == 0 && c == '$') {
                b.append("\\z");
            } else if (depth == 0 && c == '(' && p.startsWith("(?i", i) && !p.startsWith("(?iu", i)) {
                b.append("(?iu");
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
