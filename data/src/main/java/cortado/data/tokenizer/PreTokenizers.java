package cortado.data.tokenizer;

/** Chooses the pre-tokenizer for a pattern: a hand-written scanner where one exists for it, else the regex. */
public final class PreTokenizers {
    private PreTokenizers() {}

    public static PreTokenizer forPattern(String pattern) {
        return new RegexPreTokenizer(pattern);
    }
}
