package cortado.data.text;

/**
 * How inputs are read.
 *
 * @param split           how plain-text files become documents
 * @param maxDocChars     a text document longer than this is cut at a line boundary (bounded memory for huge files)
 * @param maxLineBytes    a JSONL line longer than this is skipped and counted; never held in memory whole
 * @param failOnMalformed a malformed JSONL line stops reading with {@code file:line} instead of being skipped
 */
public record ReadOptions(TextSplit split, int maxDocChars, int maxLineBytes, boolean failOnMalformed) implements java.io.Serializable {
    public static ReadOptions defaults() {
        return new ReadOptions(TextSplit.FILE, 1 << 20, 64 << 20, false);
    }

    public ReadOptions {
        if (maxDocChars < 16) throw new IllegalArgumentException("maxDocChars must be at least 16");
        if (maxLineBytes < 16) throw new IllegalArgumentException("maxLineBytes must be at least 16");
    }
}
