package cortado.data.tokenizer;

/** Chooses the pre-tokenizer for a pattern: a hand-written scanner where one exists for it, else the regex. */
public final class PreTokenizers {
    private PreTokenizers() {}

    public static PreTokenizer forPattern(String pattern) { return forPattern(pattern, false); }

    /**
     * @param keepGaps for a pattern without a scanner: also emit text between matches (HF's Split, Isolated). The
     *                 known patterns match every character, so there are no gaps for them either way.
     */
    public static PreTokenizer forPattern(String pattern, boolean keepGaps) {
        if (pattern.equals(SplitPatterns.GPT2) || pattern.equals(SplitPatterns.GPT2_ORIGINAL)) return new Gpt2PreTokenizer();
        if (pattern.equals(SplitPatterns.CL100K)) return new Cl100kPreTokenizer(true);
        if (pattern.equals(SplitPatterns.LLAMA3)) return new Cl100kPreTokenizer(false);
        return new RegexPreTokenizer(pattern, keepGaps);
    }
}
