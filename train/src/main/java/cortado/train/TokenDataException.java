package cortado.train;

/** A token or text file that cannot be used, with a message naming the file and the problem. */
public final class TokenDataException extends RuntimeException {
    public TokenDataException(String message) { super(message); }

    public TokenDataException(String message, Throwable cause) { super(message, cause); }
}
