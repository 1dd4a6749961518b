package cortado.peft;

/** Bad adapter input (a config field, a target pattern, an adapter file): the message names the field or tensor. */
public final class PeftException extends RuntimeException {
    public PeftException(String message) { super(message); }

    public PeftException(String message, Throwable cause) { super(message, cause); }
}
