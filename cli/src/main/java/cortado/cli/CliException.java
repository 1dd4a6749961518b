package cortado.cli;

/** A failure with a message meant for the user as is (exit code 1): a missing file, a bad checkpoint, ... */
public class CliException extends RuntimeException {
    public CliException(String message) { super(message); }

    public CliException(String message, Throwable cause) { super(message, cause); }
}
