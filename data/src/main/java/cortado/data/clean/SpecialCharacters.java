package cortado.data.clean;

/**
 * Removes characters that print nothing or carry no text, as CCNet's {@code remove_non_printing_char} does for
 * control characters, extended to what crawled text carries: control characters other than tab, line feed and
 * carriage return (Unicode Cc); invisible format characters (Cf: zero-width space, word joiner, byte-order mark,
 * soft hyphen, bidirectional marks and embeddings), except the zero-width joiner and non-joiner, which spell words
 * in Persian and Indic scripts and join emoji; private-use and unassigned code points (Co, Cn); lone surrogates; and
 * U+FFFD, the mark of bytes that were not valid UTF-8.
 */
public final class SpecialCharacters {
    private SpecialCharacters() {}

    static boolean removed(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x200C || cp == 0x200D) return false;
        if (cp == 0xFFFD) return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.UNASSIGNED, Character.SURROGATE -> true;
            default -> false;
        };
    }

    public static Edit apply(String text) {
        StringBuilder b = null;
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int len = Character.charCount(cp);
            if (removed(cp)) {
                if (b == null) b = new StringBuilder(text.length()).append(text, 0, i);
                n++;
            } else if (b != null) {
                b.append(text, i, i + len);
            }
            i += len;
        }
        return b == null ? new Edit(text, 0) : new Edit(b.toString(), n);
    }
}
