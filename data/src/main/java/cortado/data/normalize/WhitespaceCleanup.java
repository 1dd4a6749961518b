package cortado.data.normalize;

/**
 * Removes control, format and private-use characters (as HF tokenizers classes them; NUL and U+FFFD too) except tab,
 * newline and carriage return, and turns every other whitespace character into a plain space: BERT's {@code _clean_text}, in
 * HF's Unicode-property form. With {@code collapse}, runs of spaces also shrink to one and the ends are trimmed.
 */
public final class WhitespaceCleanup implements TextNormalizer {
    private final boolean collapse;

    public WhitespaceCleanup(boolean collapse) { this.collapse = collapse; }

    /**
     * BERT's rule as HF tokenizers applies it: tab, newline, carriage return count as whitespace; control, format and
     * private-use characters (by tokenizers' own tables, {@link HfCharClasses#BERT_REMOVED}) are removed. Unassigned
     * code points are kept, as HF keeps them; lone surrogates are removed.
     */
    public static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        return HfCharClasses.BERT_REMOVED.contains(cp) || (cp >= 0xD800 && cp <= 0xDFFF);
    }

    /** Unicode White_Space (Rust's {@code char::is_whitespace}). */
    public static boolean isWhitespace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, 0x0C, '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    @Override
    public String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isWhitespace(cp)) {
                if (collapse && (b.isEmpty() || b.charAt(b.length() - 1) == ' ')) continue;
                b.append(' ');
            } else {
                b.appendCodePoint(cp);
            }
        }
        if (collapse && !b.isEmpty() && b.charAt(b.length() - 1) == ' ') b.setLength(b.length() - 1);
        return b.toString();
    }
}
