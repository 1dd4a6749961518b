package cortado.data.tokenizer;

/**
 * A hand-written scanner equal to cl100k_base's pattern (tiktoken's form) and Llama 3's (the same pattern before
 * tiktoken's rewrite). Alternatives in the pattern's order, at each position:
 * <pre>
 *   '(?i:s|t|re|ve|m|ll|d)  |  one char that is not \r \n letter number, then letters  |  1-3 numbers  |
 *   ␣?others, then \r\n*  |  spaces to the end  |  spaces through the last \r or \n of the run  |
 *   a run of spaces but its last one  |  one space
 * </pre>
 * Case-insensitive matching is Unicode's: 'ſ (long s) counts as 's. The two forms differ in one place: tiktoken's
 * tries "spaces to the end" before "through the last newline", Llama 3's (no such alternative) after, so
 * {@code "a\r\n "} ends in one piece {@code "\r\n "} under cl100k_base and in {@code "\r\n", " "} under Llama 3.
 * Checked against both regexes on random text in tests.
 */
final class Cl100kPreTokenizer implements PreTokenizer {
    private final boolean tiktokenForm;

    /** @param tiktokenForm true for {@link SplitPatterns#CL100K}, false for {@link SplitPatterns#LLAMA3} */
    Cl100kPreTokenizer(boolean tiktokenForm) { this.tiktokenForm = tiktokenForm; }

    @Override
    public void split(String s, int from, int to, Pieces out) {
        int i = from;
        while (i < to) {
            int end = next(s, i, to, tiktokenForm);
            out.piece(i, end);
            i = end;
        }
    }

    private static int next(String s, int i, int to, boolean tiktokenForm) {
        int end = contraction(s, i, to);
        if (end >= 0) return end;
        int cp = s.codePointAt(i), n = Character.charCount(cp), cls = CharClasses.of(cp);
        // [^\r\n\p{L}\p{N}]?+\p{L}++
        if (cls == CharClasses.LETTER) return run(s, i + n, to, CharClasses.LETTER);
        if (cls != CharClasses.NUMBER && cp != '\r' && cp != '\n' && i + n < to
                && Gpt2PreTokenizer.classAt(s, i + n) == CharClasses.LETTER) {
            return run(s, i + n, to, CharClasses.LETTER);
        }
        // \p{N}{1,3}+
        if (cls == CharClasses.NUMBER) {
            int j = i + n;
            for (int k = 1; k < 3 && j < to; k++) {
                int c = s.codePointAt(j);
                if (CharClasses.of(c) != CharClasses.NUMBER) break;
                j += Character.charCount(c);
            }
            return j;
        }
        // ␣?[^\s\p{L}\p{N}]++[\r\n]*+
        int j = -1;
        if (cls == CharClasses.OTHER) j = i;
        else if (cp == ' ' && i + 1 < to && Gpt2PreTokenizer.classAt(s, i + 1) == CharClasses.OTHER) j = i + 1;
        if (j >= 0) {
            j = run(s, j, to, CharClasses.OTHER);
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) j++;
            return j;
        }
        // whitespace: \s++$ | \s*[\r\n] | \s+(?!\S) | \s   (Llama 3: \s*[\r\n]+ | \s+(?!\S) | \s+)
        int k = run(s, i, to, CharClasses.SPACE);
        if (k == to && tiktokenForm) return to;
        for (int m = k - 1; m >= i; m--) {
            char c = s.charAt(m);
            if (c == '\r' || c == '\n') return m + 1;
        }
        if (k == to) return to;
        int last = k - Character.charCount(s.codePointBefore(k));
        return last > i ? last : k;
    }

    /** End of the run of class {@code cls} starting at j. */
    private static int run(String s, int j, int to, int cls) {
        while (j < to) {
            int c = s.codePointAt(j);
            if (CharClasses.of(c) != cls) break;
            j += Character.charCount(c);
        }
        return j;
    }

    /** End of '(?i:[sdmt]|ll|ve|re) at i, or -1. */
    private static int contraction(String s, int i, int to) {
        if (s.charAt(i) != '\'' || i + 1 >= to) return -1;
        char a = Character.toLowerCase(s.charAt(i + 1));
        if (a == 's' || a == '\u017f' || a == 'd' || a == 'm' || a == 't') return i + 2;
        if (i + 2 >= to) return -1;
        char b = Character.toLowerCase(s.charAt(i + 2));
        if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e')) return i + 3;
        return -1;
    }
}
