package cortado.metrics;

/** sacreBLEU's {@code char} tokenizer: every character (code point) a token, whitespace included, as Python's
 * {@code " ".join(line)} does. */
public final class TokenizerChar implements SegmentTokenizer {
    @Override public String name() { return "char"; }

    @Override
    public String tokenize(String line) {
        StringBuilder b = new StringBuilder(line.length() * 2);
        line.codePoints().forEach(c -> {
            if (!b.isEmpty()) b.append(' ');
            b.appendCodePoint(c);
        });
        return b.toString();
    }
}
