package cortado.data.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * HF's Split pre-tokenizer: matches of a literal string or a regex (Oniguruma syntax, translated as
 * {@link RegexPreTokenizer#toJava} does), handled by a {@link SplitBehavior}; {@code invert} splits on what does not
 * match instead.
 */
public final class SplitPreTokenizer implements PreTokenizerStep {
    private final Pattern pattern;
    private final SplitBehavior behavior;
    private final boolean invert;

    public SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, boolean invert) {
        this.pattern = pattern;
        this.behavior = behavior;
        this.invert = invert;
    }

    /** A literal pattern; an empty one matches nothing, as in HF (find_matches of an empty &str). */
    public static Pattern literal(String s) { return Pattern.compile(s.isEmpty() ? "(?!)" : Pattern.quote(s)); }

    /** Compiles an HF/Rust regex; throws PatternSyntaxException with Java's description. */
    public static Pattern regex(String rust) throws PatternSyntaxException {
        return Pattern.compile(RegexPreTokenizer.toJava(rust), Pattern.UNICODE_CHARACTER_CLASS);
    }

    @Override
    public void split(String text, int offset, Sink out) {
        int[] m = SplitBehavior.regexMatches(text, pattern);
        behavior.emit(text, offset, invert ? SplitBehavior.invert(m) : m, out);
    }
}
