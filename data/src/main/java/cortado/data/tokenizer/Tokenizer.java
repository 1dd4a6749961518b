package cortado.data.tokenizer;

/** Text to token ids and back. Implementations: {@link ByteTokenizer}; BPE and WordPiece come with the data pipeline. */
public interface Tokenizer {
    /** Token ids for {@code text} (no special tokens are recognised in the text). */
    int[] encode(String text);

    /** Text for {@code ids}; byte sequences that are not valid UTF-8 decode to U+FFFD. */
    String decode(int[] ids);

    /** Number of ids the tokenizer can produce. */
    int vocabSize();

    /** The end-of-text id that separates documents, or -1 when the tokenizer has none. */
    int endOfTextId();
}
