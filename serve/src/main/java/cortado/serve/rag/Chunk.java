package cortado.serve.rag;

/**
 * A piece of a document: its text is {@code document.substring(start, end)}, offsets in UTF-16 code units of the
 * document decoded from UTF-8 (Java string indexes, equal to code point indexes for text without astral characters).
 *
 * @param source the document's path relative to the indexed directory, with '/' separators
 * @param index  the chunk's position in its document, from 0
 */
public record Chunk(String source, int index, int start, int end, String text) {
    /** The id prompts cite: source#index, e.g. {@code guide/setup.md#2}. */
    public String id() { return source + "#" + index; }
}
