package cortado.data.normalize;

/**
 * HF's {@code Prepend} normalizer: puts {@code prefix} before any non-empty text. Llama 2's tokenizer.json prepends
 * "▁" this way; it applies to each stretch of text between added tokens, as in HF.
 */
public record Prepend(String prefix) implements TextNormalizer {
    @Override
    public String normalize(String text) { return text.isEmpty() ? text : prefix + text; }
}
