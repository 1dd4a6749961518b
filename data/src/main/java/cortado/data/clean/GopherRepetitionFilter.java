package cortado.data.clean;

/**
 * Gopher's repetition filters (Rae et al. 2021, Appendix A.1.1 "Repetition removal", Table A1). A document is removed
 * when
 * <ul>
 *   <li>the fraction of its lines that duplicate an earlier line exceeds 0.30, or the characters in those lines exceed
 *       0.20 of the text ({@code gopher.duplicate_lines}, {@code gopher.duplicate_line_chars}); the same for paragraphs
 *       ({@code gopher.duplicate_paragraphs}, {@code gopher.duplicate_paragraph_chars});</li>
 *   <li>the most frequent word n-gram, n = 2, 3, 4, covers more than 0.20, 0.18, 0.16 of the word characters
 *       ({@code gopher.top_2gram} ...); only an n-gram that occurs more than once counts;</li>
 *   <li>word n-grams that repeat an earlier n-gram, n = 5..10, cover more than 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 of
 *       the word characters ({@code gopher.duplicate_5gram} ...).</li>
 * </ul>
 * Lines are separated by one or more newlines, paragraphs by two or more. Duplicate n-grams are counted as in
 * DataTrove's GopherRepetitionFilter: a repeated n-gram adds its characters and the scan jumps past it, so
 * overlapping repeats are not counted twice. N-grams are compared by 64-bit hashes of their words.
 */
public final class GopherRepetitionFilter implements DocumentFilter {
    /**
     * Thresholds; {@link #gopher()} gives Table A1. {@code topNgram[i]} is for n = i + 2, {@code duplicateNgram[i]}
     * for n = i + 5.
     */
    public record Config(double maxDuplicateLineFraction, double maxDuplicateParagraphFraction,
                         double maxDuplicateLineCharFraction, double maxDuplicateParagraphCharFraction,
                         double[] topNgram, double[] duplicateNgram) implements java.io.Serializable {
        public static Config gopher() {
            return new Config(0.30, 0.30, 0.20, 0.20,
                    new double[] {0.20, 0.18, 0.16},
                    new double[] {0.15, 0.14, 0.13, 0.12, 0.11, 0.10});
        }
    }

    private final Config c;
    private final Words words = new Words();
    private long[] wordHash = new long[256];
    private final Counter counter = new Counter();

    public GopherRepetitionFilter(Config config) { this.c = config; }

    @Override
    public String reject(String text) {
        if (text.isEmpty()) return null;
        String r = duplicateBlocks(text, 1, c.maxDuplicateLineFraction(), c.maxDuplicateLineCharFraction(), "line");
        if (r != null) return r;
        r = duplicateBlocks(text, 2, c.maxDuplicateParagraphFraction(), c.maxDuplicateParagraphCharFraction(), "paragraph");
        if (r != null) return r;

        Words w = words.of(text);
        int n = w.count;
        if (wordHash.length < n) wordHash = new long[Math.max(n, wordHash.length * 2)];
        long wordChars = 0;
        for (int i = 0; i < n; i++) {
            wordHash[i] = Hashing.hashChars(text, w.start[i], w.end[i]);
            wordChars += w.length(i);
        }
        if (wordChars == 0) return null;
        for (int k = 0; k < c.topNgram().length; k++) {
            int g = k + 2;
            if (n < g) break;
            if (topNgramChars(w, g) > c.topNgram()[k] * wordChars) return "gopher.top_" + g + "gram";
        }
        for (int k = 0; k < c.duplicateNgram().length; k++) {
            int g = k + 5;
            if (n < g) break;
            if (duplicateNgramChars(w, g) > c.duplicateNgram()[k] * wordChars) return "gopher.duplicate_" + g + "gram";
        }
        return null;
    }

    /** Blocks separated by at least {@code minNewlines} newlines; checks the duplicate count and char fractions. */
    private String duplicateBlocks(String text, int minNewlines, double maxFraction, double maxCharFraction, String what) {
        counter.reset(text.length() / 2 + 2); // every block but the last needs a character and a newline
        int blocks = 0, dups = 0;
        long dupChars = 0;
        int i = 0, len = text.length();
        while (i < len) {
            int s = i;
            int e = s;
            // find the next separator: a run of at least minNewlines newlines
            while (true) {
                int nl = text.indexOf('\n', e);
                if (nl < 0) { e = len; i = len; break; }
                int run = nl;
                while (run < len && text.charAt(run) == '\n') run++;
                if (run - nl >= minNewlines) { e = nl; i = run; break; }
                e = run;
            }
            if (e > s) {
                blocks++;
                if (counter.increment(Hashing.hashChars(text, s, e)) > 1) {
                    dups++;
                    dupChars += e - s;
                }
            }
        }
        if (blocks == 0) return null;
        if ((double) dups / blocks > maxFraction) return "gopher.duplicate_" + what + "s";
        if ((double) dupChars / len > maxCharFraction) return "gopher.duplicate_" + what + "_chars";
        return null;
    }

    private long ngramChars(Words w, int from, int g) {
        long s = 0;
        for (int i = from; i < from + g; i++) s += w.length(i);
        return s;
    }

    /** Characters covered by the occurrences of the most frequent n-gram (0 when none repeats). */
    private long topNgramChars(Words w, int g) {
        int count = w.count - g + 1;
        counter.reset(count);
        int bestCount = 1, bestAt = -1;
        for (int i = 0; i < count; i++) {
            int k = counter.increment(Hashing.combine(wordHash, i, g));
            if (k > bestCount) { bestCount = k; bestAt = i; }
        }
        return bestAt < 0 ? 0 : bestCount * ngramChars(w, bestAt, g);
    }

    /** Characters in n-grams that repeat an earlier n-gram, as DataTrove's find_all_duplicate counts them. */
    private long duplicateNgramChars(Words w, int g) {
        int count = w.count - g + 1;
        counter.reset(count);
        long repeated = 0;
        for (int i = 0; i < count; ) {
            if (counter.increment(Hashing.combine(wordHash, i, g)) > 1) {
                repeated += ngramChars(w, i, g);
                i += g;
            } else {
                i++;
            }
        }
        return repeated;
    }

    /**
     * Counts of 64-bit keys in one table reused for every document and pass: a slot belongs to the current pass only
     * when its stamp matches, so clearing is one increment instead of a fill (documents are many, most are small).
     * A 2^-64 chance that two different n-grams share a hash is accepted.
     */
    private static final class Counter {
        private long[] keys = new long[0];
        private int[] counts = new int[0];
        private int[] stamps = new int[0];
        private int stamp;
        private int mask;

        void reset(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
            if (cap > keys.length) {
                keys = new long[cap];
                counts = new int[cap];
                stamps = new int[cap];
                stamp = 0;
            }
            mask = Math.min(keys.length, Math.max(cap, 16)) - 1; // probe a prefix sized to this document
            if (++stamp == 0) { java.util.Arrays.fill(stamps, 0); stamp = 1; }
        }

        int increment(long key) {
            int i = (int) Hashing.mix64(key) & mask;
            while (stamps[i] == stamp && keys[i] != key) i = (i + 1) & mask;
            if (stamps[i] != stamp) {
                stamps[i] = stamp;
                keys[i] = key;
                counts[i] = 0;
            }
            return ++counts[i];
        }
    }
}
