package cortado.data.tokenizer;

/**
 * Text to token ids and back. Implementations: {@link ByteTokenizer}, {@link BpeTokenizer} (tiktoken, GPT-2 files, our
 * trainer), {@link WordPieceTokenizer} (vocab.txt), {@link HfTokenizer} (any tokenizer.json).
 */
public interface Tokenizer {
    /**
     * Token ids for {@code text} as the tokenizer's own library encodes by default: tokenizer.json files match their
     * added tokens (special ones included) as HF tokenizers does; tiktoken-style vocabularies treat special-token
     * strings as text (tiktoken's {@code encode_ordinary}).
     */
    int[] encode(String text);

    /**
     * Token ids with special-token strings treated as text, as corpora want them (a literal {@code <|endoftext|>} in
     * a web page is not an end of document).
     */
    default int[] encodeOrdinary(String text) { return encode(text); }

    /** Text for {@code ids}; byte sequences that are not valid UTF-8 decode to U+FFFD (one per maximal bad run). */
    String decode(int[] ids);

    /** Text for {@code ids}, leaving special tokens out when asked. */
    default String decode(int[] ids, boolean skipSpecialTokens) { return decode(ids); }

    /** This tokenizer with {@link #encode} treating special-token strings as text. */
    default Tokenizer specialTokensAsText() { return new SpecialTokensAsText(this); }

    /** Number of ids the tokenizer can produce. */
    int vocabSize();

    /** The end-of-text id that separates documents, or -1 when the tokenizer has none. */
    int endOfTextId();
}
