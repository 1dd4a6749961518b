package cortado.data.json;

/** A JSON syntax error, with the 1-based line and column where it was found. */
public final class JsonException extends RuntimeException {
    private final int line;
    private final int column;

    public JsonException(String message, int line, int column) {
        super(message + " at line " + line + ", column " + column);
        this.line = line;
        this.column = column;
    }

    public int line() { return line; }

    public int column() { return column; }
}
