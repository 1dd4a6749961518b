package cortado.data.normalize;

/** A text-to-text step applied before pre-tokenization (HF tokenizers' "normalizer"). */
@FunctionalInterface
public interface TextNormalizer {
    String normalize(String text);

    /** This step, then {@code next}. */
    default TextNormalizer then(TextNormalizer next) { return s -> next.normalize(normalize(s)); }

    static TextNormalizer identity() { return s -> s; }
}
