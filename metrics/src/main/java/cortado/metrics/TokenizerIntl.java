package cortado.metrics;

import java.util.regex.Pattern;

/**
 * sacreBLEU's {@code intl} tokenizer (mteval-v14's international tokenization): split off every Unicode punctuation
 * mark unless it sits between digits on the side it touches, and every Unicode symbol. Java's {@code \p{P}},
 * {@code \p{N}} and {@code \p{S}} are the same general categories as the {@code regex} module's.
 */
public final class TokenizerIntl implements SegmentTokenizer {
    private static final Pattern PUNCT_AFTER_NON_DIGIT = Pattern.compile("(\\P{N})(\\p{P})");
    private static final Pattern PUNCT_BEFORE_NON_DIGIT = Pattern.compile("(\\p{P})(\\P{N})");
    private static final Pattern SYMBOL = Pattern.compile("(\\p{S})");

    @Override public String name() { return "intl"; }

    @Override
    public String tokenize(String line) {
        line = PUNCT_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
        line = PUNCT_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
        line = SYMBOL.matcher(line).replaceAll(" $1 ");
        return PythonText.squeeze(line);
    }
}
