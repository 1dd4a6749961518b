package cortado.data.tokenizer;

/**
 * Splits text into the pieces that BPE encodes independently (GPT-2 never merges across a piece boundary). A piece is
 * a half-open char range; pieces are reported in order and cover whatever the pattern matches.
 */
public interface PreTokenizer {
    /** Receives each piece {@code [start, end)}. */
    @FunctionalInterface
    interface Pieces {
        void piece(int start, int end);
    }

    /** Splits {@code text[from, to)}; {@code to} acts as the end of the text (as when tiktoken splits at specials). */
    void split(String text, int from, int to, Pieces out);
}
