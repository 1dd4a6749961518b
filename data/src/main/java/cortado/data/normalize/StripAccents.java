package cortado.data.normalize;

/**
 * Accent stripping as BERT does it: decompose (NFD), then drop nonspacing marks (category Mn, by HF tokenizers' tables,
 * {@link HfCharClasses#NONSPACING_MARK}). HF's separate {@code StripAccents} normalizer is {@link CombiningMarkFilter}.
 */
public final class StripAccents implements TextNormalizer {
    public static final StripAccents INSTANCE = new StripAccents();

    @Override
    public String normalize(String text) {
        String d = UnicodeForm.NFD.normalize(text);
        StringBuilder b = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            if (!HfCharClasses.NONSPACING_MARK.contains(cp)) b.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }
}
