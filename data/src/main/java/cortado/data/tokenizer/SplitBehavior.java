package cortado.data.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a split does with the text it matched (HF's SplitDelimiterBehavior), given the matches as HF's
 * {@code Pattern::find_matches} lists them: consecutive (start, end, isMatch) stretches covering the text. For
 * "the-final--countdown" split on '-': REMOVED gives the, final, countdown; ISOLATED the, -, final, -, -, countdown;
 * MERGED_WITH_PREVIOUS the-, final-, -, countdown; MERGED_WITH_NEXT the, -final, -, -countdown; CONTIGUOUS the, -,
 * final, --, countdown.
 */
public enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    public static SplitBehavior parse(String hfName) {
        return switch (hfName) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** Matches of a character predicate, as HF's find_matches for {@code Fn(char) -> bool}. */
    public static int[] charMatches(String text, java.util.function.IntPredicate p) {
        IntList m = new IntList(16);
        int last = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (p.test(cp)) {
                if (last < i) add(m, last, i, false);
                add(m, i, i + n, true);
                last = i + n;
            }
            i += n;
        }
        if (last < text.length()) add(m, last, text.length(), false);
        return m.toArray();
    }

    /** Matches of a regex, as HF's find_matches for a regex (empty matches included). */
    public static int[] regexMatches(String text, Pattern pattern) {
        IntList m = new IntList(16);
        int prev = 0;
        Matcher x = pattern.matcher(text);
        while (x.find()) {
            if (prev != x.start()) add(m, prev, x.start(), false);
            add(m, x.start(), x.end(), true);
            prev = x.end();
        }
        if (prev != text.length()) add(m, prev, text.length(), false);
        return m.toArray();
    }

    private static void add(IntList m, int s, int e, boolean match) { m.add(s); m.add(e); m.add(match ? 1 : 0); }

    /** Inverts the match flags (HF's {@code Invert}). */
    public static int[] invert(int[] matches) {
        int[] out = matches.clone();
        for (int i = 2; i < out.length; i += 3) out[i] ^= 1;
        return out;
    }

    /** Applies this behaviour to {@code matches} of {@code text} and emits the non-empty pieces. */
    public void emit(String text, int offset, int[] matches, PreTokenizerStep.Sink out) {
        int n = matches.length / 3;
        // Pieces as (start, end) after merging; removed stretches are left out.
        IntList p = new IntList(n * 2);
        switch (this) {
            case ISOLATED -> { for (int i = 0; i < n; i++) { p.add(matches[3 * i]); p.add(matches[3 * i + 1]); } }
            case REMOVED -> {
                for (int i = 0; i < n; i++) if (matches[3 * i + 2] == 0) { p.add(matches[3 * i]); p.add(matches[3 * i + 1]); }
            }
            case CONTIGUOUS -> {
                boolean prev = false;
                for (int i = 0; i < n; i++) {
                    boolean m = matches[3 * i + 2] == 1;
                    if (m == prev && p.size() > 0) p.set(p.size() - 1, matches[3 * i + 1]);
                    else { p.add(matches[3 * i]); p.add(matches[3 * i + 1]); }
                    prev = m;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prev = false;
                for (int i = 0; i < n; i++) {
                    boolean m = matches[3 * i + 2] == 1;
                    if (m && !prev && p.size() > 0) p.set(p.size() - 1, matches[3 * i + 1]);
                    else { p.add(matches[3 * i]); p.add(matches[3 * i + 1]); }
                    prev = m;
                }
            }
            case MERGED_WITH_NEXT -> {
                // Walk backwards: a match glues onto the piece after it.
                IntList r = new IntList(n * 2);
                boolean prev = false;
                for (int i = n - 1; i >= 0; i--) {
                    boolean m = matches[3 * i + 2] == 1;
                    if (m && !prev && r.size() > 0) r.set(r.size() - 2, matches[3 * i]);
                    else { r.add(matches[3 * i]); r.add(matches[3 * i + 1]); }
                    prev = m;
                }
                for (int i = r.size() - 2; i >= 0; i -= 2) { p.add(r.get(i)); p.add(r.get(i + 1)); }
            }
        }
        for (int i = 0; i < p.size(); i += 2) {
            int s = p.get(i), e = p.get(i + 1);
            if (e > s) out.piece(text.substring(s, e), offset + s);
        }
    }
}
