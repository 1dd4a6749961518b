package cortado.metrics;

/**
 * sacreBLEU's {@code zh} tokenizer: strip the line, put spaces around every Chinese character, then 13a's
 * {@link MtevalRegexps} (without 13a's own normalization or padding).
 */
public final class TokenizerZh implements SegmentTokenizer {
    // sacrebleu/tokenizers/tokenizer_zh.py's _UCODE_RANGES, inclusive. Two of its entries are written '\u20000' and
    // '\u2f800', which Python reads as two characters ('\u2000' + '0', '\u2f80' + '0'), so a single character c is
    // in them when '\u2000' < c <= '\u2a6d' and '\u2f80' < c <= '\u2fa1': those two rows are (0x2001, 0x2A6D) and
    // (0x2F81, 0x2FA1) here, and the supplementary-plane ideographs they meant to cover are not Chinese to sacreBLEU.
    private static final int[][] RANGES = {
        {0x3400, 0x4DB5}, {0x4E00, 0x9FA5}, {0x9FA6, 0x9FBB}, {0xF900, 0xFA2D}, {0xFA30, 0xFA6A}, {0xFA70, 0xFAD9},
        {0x2001, 0x2A6D}, {0x2F81, 0x2FA1}, {0xFF00, 0xFFEF}, {0x2E80, 0x2EFF}, {0x3000, 0x303F}, {0x31C0, 0x31EF},
        {0x2F00, 0x2FDF}, {0x2FF0, 0x2FFF}, {0x3100, 0x312F}, {0x31A0, 0x31BF}, {0xFE10, 0xFE1F}, {0xFE30, 0xFE4F},
        {0x2600, 0x26FF}, {0x2700, 0x27BF}, {0x3200, 0x32FF}, {0x3300, 0x33FF},
    };

    @Override public String name() { return "zh"; }

    /** True when sacreBLEU's {@code _is_chinese_char} accepts the code point. */
    static boolean isChinese(int c) {
        for (int[] r : RANGES) if (c >= r[0] && c <= r[1]) return true;
        return false;
    }

    @Override
    public String tokenize(String line) {
        line = PythonText.strip(line);
        StringBuilder b = new StringBuilder(line.length() * 2);
        line.codePoints().forEach(c -> {
            if (isChinese(c)) b.append(' ').appendCodePoint(c).append(' ');
            else b.appendCodePoint(c);
        });
        return MtevalRegexps.apply(b.toString());
    }
}
