package cortado.serve.json;

/** A schema outside the supported subset, or malformed; the message names the place and the keyword. */
public final class SchemaException extends RuntimeException {
    private final String keyword;

    SchemaException(String path, String keyword, String message) {
        super(path + ": " + message);
        this.keyword = keyword;
    }

    /** The keyword at fault (null when the schema's shape is). */
    public String keyword() { return keyword; }
}
