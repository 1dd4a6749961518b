package cortado.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * chrF and chrF++ as sacreBLEU 2 computes them (Popović 2015, "chrF: character n-gram F-score for automatic MT
 * evaluation"; 2017, "chrF++: words helping character n-grams"): character n-grams of orders 1..6 (whitespace
 * removed unless asked), plus word n-grams of orders 1..2 for chrF++ (punctuation split off each word's ends as
 * chrF++.py does); per segment the reference with the best F is kept; the [hyp, ref, match] counts per order are
 * summed over the corpus, then the F-beta (beta 2: recall weighs 4 times precision) of the average precision and
 * recall over the orders that occur. {@code epsSmoothing} instead averages the per-order F scores with 1e-16 for
 * empty orders (chrF++.py, NLTK, Moses). Mirrors {@code sacrebleu.metrics.chrf.CHRF}. Characters are code points.
 */
public final class Chrf {
    /** sacreBLEU's {@code CHRF(...)} arguments. */
    public record Options(int charOrder, int wordOrder, int beta, boolean lowercase, boolean whitespace,
                          boolean epsSmoothing) {
        public Options {
            if (charOrder < 0 || wordOrder < 0 || charOrder + wordOrder == 0)
                throw new IllegalArgumentException("chrF needs char order + word order >= 1");
        }

        /** chrF: char order 6, word order 0, beta 2. */
        public static Options chrf() { return new Options(6, 0, 2, false, false, false); }

        /** chrF++: char order 6, word order 2, beta 2. */
        public static Options chrfPlusPlus() { return new Options(6, 2, 2, false, false, false); }

        public Options withLowercase(boolean lc) { return new Options(charOrder, wordOrder, beta, lc, whitespace, epsSmoothing); }
        public Options withWhitespace(boolean ws) { return new Options(charOrder, wordOrder, beta, lowercase, ws, epsSmoothing); }
        public Options withEpsSmoothing(boolean e) { return new Options(charOrder, wordOrder, beta, lowercase, whitespace, e); }
        public Options withBeta(int b) { return new Options(charOrder, wordOrder, b, lowercase, whitespace, epsSmoothing); }
    }

    /** The score (0..100) and the summed [hyp, ref, match] counts, three per order (char orders first). */
    public record Score(double score, long[] statistics) {}

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final Options options;

    public Chrf(Options options) { this.options = options; }

    public Options options() { return options; }

    public String name() { return options.wordOrder > 0 ? "chrF" + "+".repeat(options.wordOrder) : "chrF"; }

    public Score corpus(List<String> hypotheses, List<List<String>> referenceStreams) {
        int orders = options.charOrder + options.wordOrder;
        long[] sum = new long[3 * orders];
        for (int i = 0; i < hypotheses.size(); i++) {
            long[] s = segmentStatistics(hypotheses.get(i), Bleu.referencesOf(referenceStreams, i, hypotheses.size()));
            for (int k = 0; k < s.length; k++) sum[k] += s[k];
        }
        return new Score(fScore(sum), sum);
    }

    public Score sentence(String hypothesis, List<String> references) {
        long[] s = segmentStatistics(hypothesis, references);
        return new Score(fScore(s), s);
    }

    /** The statistics of the reference with the highest F (the first on a tie). */
    long[] segmentStatistics(String hypothesis, List<String> references) {
        List<Map<String, Integer>> hyp = ngrams(preprocess(hypothesis));
        long[] best = new long[0];
        double bestF = -1.0;
        for (String ref : references) {
            List<Map<String, Integer>> r = ngrams(preprocess(ref));
            long[] stats = new long[3 * hyp.size()];
            for (int o = 0; o < hyp.size(); o++) matchStatistics(hyp.get(o), r.get(o), stats, 3 * o);
            double f = fScore(stats);
            if (f > bestF) { bestF = f; best = stats; }
        }
        return best;
    }

    private String preprocess(String s) { return options.lowercase ? PythonText.lower(s) : s; }

    /** Char n-gram counts per order, then word n-gram counts per order. */
    List<Map<String, Integer>> ngrams(String line) {
        List<Map<String, Integer>> out = new ArrayList<>();
        String chars = options.whitespace ? line : PythonText.removeSpaces(line);
        int[] cps = chars.codePoints().toArray();
        for (int n = 1; n <= options.charOrder; n++) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i + n <= cps.length; i++) m.merge(new String(cps, i, n), 1, Integer::sum);
            out.add(m);
        }
        if (options.wordOrder > 0) {
            List<String> words = splitPunctuation(line);
            for (int n = 1; n <= options.wordOrder; n++) {
                Map<String, Integer> m = new HashMap<>();
                for (int i = 0; i + n <= words.size(); i++) m.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
                out.add(m);
            }
        }
        return out;
    }

    /** sacreBLEU's {@code _remove_punctuation}: one ASCII punctuation mark split off a word's end, else its start. */
    static List<String> splitPunctuation(String line) {
        List<String> out = new ArrayList<>();
        for (String w : PythonText.split(line)) {
            int len = w.codePointCount(0, w.length());
            if (len == 1) { out.add(w); continue; }
            int last = w.codePointBefore(w.length()), lastStart = w.offsetByCodePoints(w.length(), -1);
            int first = w.codePointAt(0), firstEnd = w.offsetByCodePoints(0, 1);
            if (isPunct(last)) { out.add(w.substring(0, lastStart)); out.add(w.substring(lastStart)); }
            else if (isPunct(first)) { out.add(w.substring(0, firstEnd)); out.add(w.substring(firstEnd)); }
            else out.add(w);
        }
        return out;
    }

    private static boolean isPunct(int c) { return c < 128 && PUNCTUATION.indexOf(c) >= 0; }

    /** sacreBLEU's {@code _get_match_statistics}: the hypothesis count is 0 when the reference has no n-gram. */
    private static void matchStatistics(Map<String, Integer> hyp, Map<String, Integer> ref, long[] out, int at) {
        long hypCount = 0, refCount = 0, match = 0;
        for (Map.Entry<String, Integer> e : hyp.entrySet()) {
            hypCount += e.getValue();
            Integer r = ref.get(e.getKey());
            if (r != null) match += Math.min(e.getValue(), r);
        }
        for (int c : ref.values()) refCount += c;
        out[at] = ref.isEmpty() ? 0 : hypCount;
        out[at + 1] = refCount;
        out[at + 2] = match;
    }

    /** sacreBLEU's {@code _compute_f_score} over [hyp, ref, match] triples. */
    double fScore(long[] stats) {
        final double eps = 1e-16;
        int orders = stats.length / 3;
        double factor = (double) options.beta * options.beta;
        double score = 0, avgPrec = 0, avgRec = 0;
        int effective = 0;
        for (int i = 0; i < orders; i++) {
            long nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2];
            double prec = nHyp > 0 ? (double) nMatch / nHyp : eps;
            double rec = nRef > 0 ? (double) nMatch / nRef : eps;
            double denom = factor * prec + rec;
            score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
            if (nHyp > 0 && nRef > 0) { avgPrec += prec; avgRec += rec; effective++; }
        }
        if (options.epsSmoothing) return 100 * score / (options.charOrder + options.wordOrder);
        if (effective == 0) { avgPrec = 0; avgRec = 0; }
        else { avgPrec /= effective; avgRec /= effective; }
        if (avgPrec + avgRec != 0) return 100 * ((1 + factor) * avgPrec * avgRec / (factor * avgPrec + avgRec));
        return 0.0;
    }
}
