package cortado.data.normalize;

import java.text.Normalizer;

/** Accent stripping as BERT does it: decompose (NFD), then drop nonspacing marks (category Mn). */
public final class StripAccents implements TextNormalizer {
    public static final StripAccents INSTANCE = new StripAccents();

    @Override
    public String normalize(String text) {
        String d = Normalizer.normalize(text, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) b.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }
}
