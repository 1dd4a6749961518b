package cortado.data.tokenizer;

/** A tokenizer whose {@link #encode} is the wrapped one's {@link Tokenizer#encodeOrdinary}: specials read as text. */
public record SpecialTokensAsText(Tokenizer inner) implements Tokenizer {
    @Override public int[] encode(String text) { return inner.encodeOrdinary(text); }

    @Override public String decode(int[] ids) { return inner.decode(ids); }

    @Override public String decode(int[] ids, boolean skipSpecialTokens) { return inner.decode(ids, skipSpecialTokens); }

    @Override public int vocabSize() { return inner.vocabSize(); }

    @Override public int endOfTextId() { return inner.endOfTextId(); }

    @Override public Tokenizer specialTokensAsText() { return this; }
}
