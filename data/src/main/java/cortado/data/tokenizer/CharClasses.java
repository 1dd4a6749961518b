package cortado.data.tokenizer;

/**
 * The character classes the pre-tokenization patterns use, as Rust's regex defines them: {@code \p{L}} (general
 * category L*), {@code \p{N}} (N*), {@code \s} (the Unicode White_Space property). ASCII is answered from a table.
 */
final class CharClasses {
    static final int LETTER = 1, NUMBER = 2, SPACE = 3, OTHER = 0;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = (byte) classify(c);
    }

    private CharClasses() {}

    static int of(int cp) { return cp < 128 ? ASCII[cp] : classify(cp); }

    private static int classify(int cp) {
        switch (cp) {
            case '\t', '\n', 0x0B, 0x0C, '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                return SPACE;
            default:
                if (cp >= 0x2000 && cp <= 0x200A) return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }
}
