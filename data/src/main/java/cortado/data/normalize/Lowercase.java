package cortado.data.normalize;

/**
 * Lower-casing one code point at a time with Unicode's full mapping, as HF tokenizers does (Rust's
 * {@code char::to_lowercase}): no context rules, so a word-final capital sigma becomes σ, not ς, and İ becomes
 * i + U+0307. ({@code String.toLowerCase} would apply the final-sigma rule.)
 */
public final class Lowercase implements TextNormalizer {
    public static final Lowercase INSTANCE = new Lowercase();

    @Override
    public String normalize(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            int lo = Character.toLowerCase(cp);
            if (cp == 0x130 || lo != cp) {
                if (b == null) b = new StringBuilder(text.length()).append(text, 0, i);
                if (cp == 0x130) b.append("i\u0307"); else b.appendCodePoint(lo);
            } else if (b != null) {
                b.appendCodePoint(cp);
            }
            i += n;
        }
        return b == null ? text : b.toString();
    }
}
