package cortado.metrics;

/**
 * One of sacreBLEU's segment tokenizers: a line in, its tokens joined by single spaces out. {@link #named} gives the
 * ones sacreBLEU's {@code --tokenize} names (ja-mecab, ko-mecab and spm need models and are not here).
 */
public interface SegmentTokenizer {
    String tokenize(String line);

    /** sacreBLEU's signature name: 13a, intl, zh, char, none. */
    String name();

    /** The tokenizer sacreBLEU calls {@code name}. */
    static SegmentTokenizer named(String name) {
        return switch (name) {
            case "13a" -> new Tokenizer13a();
            case "intl" -> new TokenizerIntl();
            case "zh" -> new TokenizerZh();
            case "char" -> new TokenizerChar();
            case "none" -> new SegmentTokenizer() {
                @Override public String tokenize(String line) { return line; }
                @Override public String name() { return "none"; }
            };
            default -> throw new IllegalArgumentException("unknown BLEU tokenizer '" + name
                    + "' (one of 13a, intl, zh, char, none)");
        };
    }
}
