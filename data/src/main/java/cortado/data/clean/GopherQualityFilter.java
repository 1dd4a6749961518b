package cortado.data.clean;

import java.util.Set;

/**
 * Gopher's quality filters (Rae et al. 2021, "Scaling Language Models", Appendix A.1.1 "Quality filters"), over
 * whitespace-separated words. A document is removed when
 * <ul>
 *   <li>it has fewer than {@code minWords} or more than {@code maxWords} words ({@code gopher.word_count});</li>
 *   <li>its mean word length is outside [{@code minMeanWordLength}, {@code maxMeanWordLength}]
 *       ({@code gopher.mean_word_length});</li>
 *   <li>the ratio of '#' symbols to words, or of ellipses ("..." or "…") to words, exceeds {@code maxSymbolWordRatio}
 *       ({@code gopher.symbol_word_ratio});</li>
 *   <li>more than {@code maxBulletLineFraction} of its lines start with a bullet ({@code gopher.bullet_lines});</li>
 *   <li>more than {@code maxEllipsisLineFraction} of its lines end with an ellipsis ({@code gopher.ellipsis_lines});</li>
 *   <li>fewer than {@code minAlphaWordFraction} of its words contain an alphabetic character
 *       ({@code gopher.alphabetic_words});</li>
 *   <li>it contains fewer than {@code minStopWords} of the English stop words the, be, to, of, and, that, have, with
 *       ({@code gopher.stop_words}; set 0 for non-English corpora).</li>
 * </ul>
 */
public final class GopherQualityFilter implements DocumentFilter {
    /** Thresholds; {@link #gopher()} gives the paper's values. */
    public record Config(int minWords, int maxWords, double minMeanWordLength, double maxMeanWordLength,
                         double maxSymbolWordRatio, double maxBulletLineFraction, double maxEllipsisLineFraction,
                         double minAlphaWordFraction, int minStopWords) implements java.io.Serializable {
        public static Config gopher() {
            return new Config(50, 100_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2);
        }
    }

    private static final Set<String> STOP_WORDS = Set.of("the", "be", "to", "of", "and", "that", "have", "with");
    private static final String BULLETS = "•‣⁃◦∙·●○▪▫■□-*–—";

    private final Config c;
    private final Words words = new Words();

    public GopherQualityFilter(Config config) { this.c = config; }

    @Override
    public String reject(String text) {
        Words w = words.of(text);
        int n = w.count;
        if (n < c.minWords() || n > c.maxWords()) return "gopher.word_count";
        long chars = 0;
        int alpha = 0, hashes = 0, ellipses = 0;
        int stopSeen = 0; // bit mask over the 8 stop words
        for (int i = 0; i < n; i++) {
            int s = w.start[i], e = w.end[i];
            chars += e - s;
            boolean hasAlpha = false;
            for (int k = s; k < e; k++) {
                char ch = text.charAt(k);
                if (Character.isAlphabetic(ch)) hasAlpha = true;
                else if (ch == '#') hashes++;
                else if (ch == '…') ellipses++;
                else if (ch == '.' && k + 2 < e && text.charAt(k + 1) == '.' && text.charAt(k + 2) == '.') {
                    ellipses++;
                    k += 2;
                }
            }
            if (hasAlpha) alpha++;
            if (e - s <= 4 && stopSeen != 0xFF) {
                String word = text.substring(s, e).toLowerCase(java.util.Locale.ROOT);
                if (STOP_WORDS.contains(word)) stopSeen |= 1 << stopIndex(word);
            }
        }
        double mean = (double) chars / n;
        if (mean < c.minMeanWordLength() || mean > c.maxMeanWordLength()) return "gopher.mean_word_length";
        if ((double) hashes / n > c.maxSymbolWordRatio() || (double) ellipses / n > c.maxSymbolWordRatio())
            return "gopher.symbol_word_ratio";
        int lines = 0, bullet = 0, ellipsisEnd = 0;
        for (int s = 0; s <= text.length(); ) {
            int e = text.indexOf('\n', s);
            if (e < 0) e = text.length();
            int a = s, b = e;
            while (a < b && Character.isWhitespace(text.charAt(a))) a++;
            while (b > a && Character.isWhitespace(text.charAt(b - 1))) b--;
            if (b > a) {
                lines++;
                if (BULLETS.indexOf(text.charAt(a)) >= 0) bullet++;
                if (text.charAt(b - 1) == '…' || (b - a >= 3 && text.startsWith("...", b - 3))) ellipsisEnd++;
            }
            s = e + 1;
        }
        if (lines > 0 && (double) bullet / lines > c.maxBulletLineFraction()) return "gopher.bullet_lines";
        if (lines > 0 && (double) ellipsisEnd / lines > c.maxEllipsisLineFraction()) return "gopher.ellipsis_lines";
        if ((double) alpha / n < c.minAlphaWordFraction()) return "gopher.alphabetic_words";
        if (Integer.bitCount(stopSeen) < c.minStopWords()) return "gopher.stop_words";
        return null;
    }

    private static int stopIndex(String w) {
        return switch (w) {
            case "the" -> 0; case "be" -> 1; case "to" -> 2; case "of" -> 3;
            case "and" -> 4; case "that" -> 5; case "have" -> 6; default -> 7;
        };
    }
}
