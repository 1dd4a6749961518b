package cortado.data.tokenizer;

/**
 * One entry of tokenizer.json's {@code added_tokens} (HF's AddedToken): text matched as a whole before the model sees
 * the text. {@code lstrip}/{@code rstrip} swallow the whitespace on that side, {@code singleWord} matches only when no
 * word character touches it, {@code normalized} matches against the normalized text (else the raw text), and
 * {@code special} ones are skipped in decoding and can be turned off in encoding (treated as text).
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) {
    /** A special token as tiktoken-style files and our trainers declare them: exact, not normalized. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, false, false, false, false, true);
    }
}
