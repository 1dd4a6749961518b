package cortado.data.text;

/** Input that cannot be used, with the place it was found ({@code file:line}) at the start of the message. */
public final class BadInputException extends RuntimeException {
    private final String where;

    public BadInputException(String where, String problem) {
        super(where + ": " + problem);
        this.where = where;
    }

    /** {@code file:line} or {@code file}. */
    public String where() { return where; }
}
