package cortado.data.chat;

/**
 * A chat template that cannot be parsed or rendered: the message names the template (usually the file it came from)
 * and the 1-based line and column in the template source where the problem is.
 */
public class TemplateException extends RuntimeException {
    private final String reason;
    private final String source;
    private final int line;
    private final int column;

    public TemplateException(String reason, String source, int line, int column) {
        super(source + ":" + line + ":" + column + ": " + reason);
        this.reason = reason;
        this.source = source;
        this.line = line;
        this.column = column;
    }

    /** The problem without the location. */
    public String reason() { return reason; }

    /** The template's name (a file path, or a description such as "chat_template"). */
    public String source() { return source; }

    public int line() { return line; }

    public int column() { return column; }
}
