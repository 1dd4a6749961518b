package cortado.data.normalize;

/**
 * HF's {@code StripAccents} normalizer: drops combining marks (Mn, Mc, Me, by tokenizers' own table,
 * {@link HfCharClasses#COMBINING_MARK}) as they stand, without decomposing first; tokenizer.json files put an NFD or
 * NFKD before it.
 */
public final class CombiningMarkFilter implements TextNormalizer {
    public static final CombiningMarkFilter INSTANCE = new CombiningMarkFilter();

    private CombiningMarkFilter() {}

    @Override
    public String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (!HfCharClasses.COMBINING_MARK.contains(cp)) b.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }
}
