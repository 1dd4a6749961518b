package cortado.data.normalize;

/**
 * BERT's text normalization, in HF tokenizers' order: clean control characters and whitespace, put spaces around
 * CJK ideographs (so each becomes a word), strip accents (by default exactly when lower-casing), lower-case.
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase)
        implements TextNormalizer {

    /** bert-base-uncased (lowercase = true, accents stripped) or -cased. */
    public static BertNormalizer of(boolean lowercase) { return new BertNormalizer(true, true, lowercase, lowercase); }

    @Override
    public String normalize(String text) {
        if (cleanText) text = new WhitespaceCleanup(false).normalize(text);
        if (handleChineseChars) text = spaceCjk(text);
        if (stripAccents) text = StripAccents.INSTANCE.normalize(text);
        if (lowercase) text = Lowercase.INSTANCE.normalize(text);
        return text;
    }

    /** The "CJK Unified Ideographs" blocks BERT treats as one word per character (not Hangul, kana). */
    public static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    private static String spaceCjk(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (isCjk(cp)) {
                if (b == null) b = new StringBuilder(text.length() + 16).append(text, 0, i);
                b.append(' ').appendCodePoint(cp).append(' ');
            } else if (b != null) {
                b.appendCodePoint(cp);
            }
            i += n;
        }
        return b == null ? text : b.toString();
    }
}
