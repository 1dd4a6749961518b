package cortado.cli;

/** The command line is wrong (unknown flag, missing value, bad number): exit code 2. */
public final class UsageException extends Exception {
    public UsageException(String message) { super(message); }
}
