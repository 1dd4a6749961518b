package cortado.data.text;

/** How a plain-text file is cut into documents (JSONL is always one document per line). */
public enum TextSplit {
    /** The whole file is one document (cut at line boundaries only when it passes the size limit). */
    FILE,
    /** Blank lines separate documents, as llm.c's tinyshakespeare.py splits on "\n\n". */
    PARAGRAPH,
    /** Every non-empty line is a document. */
    LINE;

    public static TextSplit parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "file" -> FILE;
            case "paragraph", "blank-line" -> PARAGRAPH;
            case "line" -> LINE;
            default -> throw new IllegalArgumentException("unknown text split '" + s + "' (file, paragraph, line)");
        };
    }
}
