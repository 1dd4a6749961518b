package cortado.data.dataset;

import java.util.Locale;

/**
 * How documents become the token stream of a split.
 * <ul>
 *   <li>{@link #CONCAT}: each document is preceded by the end-of-text token (as llm.c's fineweb.py and
 *       tinyshakespeare.py write it) and the documents follow one another. With a sequence length T the stream is cut
 *       into blocks of exactly T tokens; a block may span documents, and the last partial block is dropped
 *       (counted). This is what nanoGPT-style training reads.</li>
 *   <li>{@link #PACK}: every block of T tokens holds whole documents, each followed by end-of-text, packed first-fit
 *       into a bounded set of open blocks; the free tail of a block is filled with end-of-text as padding (counted). A
 *       document longer than T is cut into T-token pieces first. No block mixes the end of one document's piece with
 *       an unrelated document's middle, at the cost of padding.</li>
 * </ul>
 */
public enum Chunking {
    CONCAT, PACK;

    public static Chunking parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "concat", "chunk" -> CONCAT;
            case "pack" -> PACK;
            default -> throw new IllegalArgumentException("unknown chunking '" + s + "' (concat, pack)");
        };
    }
}
