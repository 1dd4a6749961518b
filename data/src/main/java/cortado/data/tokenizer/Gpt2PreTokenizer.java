package cortado.data.tokenizer;

/**
 * A hand-written scanner equal to GPT-2's pattern (either form in {@link SplitPatterns}), several times faster than
 * the regex. At each position the alternatives are tried in the pattern's order:
 * <pre>
 *   's 't 're 've 'm 'll 'd  |  ␣?letters  |  ␣?numbers  |  ␣?others  |  spaces to the end  |
 *   a run of spaces but its last one (which then leads the next piece)  |  one space
 * </pre>
 * where "others" are neither letters, numbers nor whitespace. Checked against the regex on random text in tests.
 */
final class Gpt2PreTokenizer implements PreTokenizer {
    @Override
    public void split(String s, int from, int to, Pieces out) {
        int i = from;
        while (i < to) {
            int c = s.charAt(i);
            int end = contraction(s, i, to);
            if (end < 0) {
                int start = i, j = i, cls;
                if (c == ' ' && i + 1 < to && (cls = classAt(s, i + 1)) != CharClasses.SPACE) j = i + 1;
                else cls = classAt(s, i);
                if (cls == CharClasses.SPACE) {
                    int k = i;
                    while (k < to && classAt(s, k) == CharClasses.SPACE) k += Character.charCount(s.codePointAt(k));
                    if (k == to) end = to;
                    else {
                        int last = k - Character.charCount(s.codePointBefore(k));  // start of the run's last char
                        end = last > start ? last : k;
                    }
                } else {
                    while (j < to) {
                        int cp = s.codePointAt(j);
                        if (CharClasses.of(cp) != cls) break;
                        j += Character.charCount(cp);
                    }
                    end = j;
                }
            }
            out.piece(i, end);
            i = end;
        }
    }

    static int classAt(String s, int i) { return CharClasses.of(s.codePointAt(i)); }

    /** End of a contraction ('s 't 're 've 'm 'll 'd, case-sensitive) at i, or -1. */
    private static int contraction(String s, int i, int to) {
        if (s.charAt(i) != '\'' || i + 1 >= to) return -1;
        char a = s.charAt(i + 1);
        if (a == 's' || a == 'd' || a == 'm' || a == 't') return i + 2;
        if (i + 2 >= to) return -1;
        char b = s.charAt(i + 2);
        if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e')) return i + 3;
        return -1;
    }
}
