package cortado.data.chat;

/**
 * The template called {@code raise_exception(message)}, as chat templates do to refuse a conversation (roles that do
 * not alternate, a system message the model has no slot for). {@link #reason()} is the template's message verbatim,
 * which is what transformers' {@code jinja2.exceptions.TemplateError} carries.
 */
public final class RaisedException extends TemplateException {
    public RaisedException(String message, String source, int line, int column) {
        super(message, source, line, column);
    }
}
