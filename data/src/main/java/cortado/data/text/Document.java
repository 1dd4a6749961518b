package cortado.data.text;

/**
 * One unit of text that cleaning and deduplication judge as a whole.
 *
 * @param source where it came from, as {@code file:line} for JSONL or {@code file} (or {@code file#part}) for text
 * @param text   the decoded text (invalid UTF-8 already replaced by U+FFFD)
 */
public record Document(String source, String text) {}
