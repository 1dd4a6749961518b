package cortado.data.clean;

/** A rule that may reject a document. Implementations are not thread-safe unless they say so. */
public interface DocumentFilter {
    /** Null to keep {@code text}; otherwise the reason, a short dotted name such as {@code gopher.word_count}. */
    String reject(String text);
}
