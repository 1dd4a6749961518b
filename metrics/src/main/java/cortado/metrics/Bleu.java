package cortado.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU as sacreBLEU 2 computes it (Papineni et al. 2002; Post 2018, "A Call for Clarity in Reporting BLEU
 * Scores"): each segment is lowercased (optionally), right-stripped and tokenized; its n-grams (1..4) are clipped by
 * the largest count of that n-gram in any one reference; the reference length is the one closest to the hypothesis
 * (the shorter on a tie); counts and lengths are summed over the corpus, and
 * {@code BLEU = BP * exp(mean_n log p_n)} with {@code BP = exp(1 - r/c)} when {@code c < r}. Smoothing is Chen and
 * Cherry's (WMT 2014): {@code exp} (method 3, mteval's, the default), {@code floor} (method 1), {@code add-k}
 * (method 2) or {@code none}. Mirrors {@code sacrebleu.metrics.bleu.BLEU.corpus_score}.
 */
public final class Bleu {
    /** sacreBLEU's {@code smooth_method}; {@code defaultValue} is its {@code SMOOTH_DEFAULTS} entry (NaN: none). */
    public enum Smooth {
        NONE("none", Double.NaN), FLOOR("floor", 0.1), ADD_K("add-k", 1), EXP("exp", Double.NaN);

        public final String id;
        public final double defaultValue;

        Smooth(String id, double defaultValue) { this.id = id; this.defaultValue = defaultValue; }

        public static Smooth named(String id) {
            for (Smooth s : values()) if (s.id.equals(id)) return s;
            throw new IllegalArgumentException("unknown smoothing '" + id + "' (one of none, floor, add-k, exp)");
        }
    }

    /**
     * sacreBLEU's {@code BLEU(...)} arguments. {@code smoothValue} NaN means the method's default.
     * {@code effectiveOrder}: average only over the orders that have n-grams (for sentence-level BLEU).
     */
    public record Options(SegmentTokenizer tokenizer, boolean lowercase, Smooth smooth, double smoothValue,
                          int maxNgramOrder, boolean effectiveOrder) {
        public Options {
            if (maxNgramOrder < 1) throw new IllegalArgumentException("maxNgramOrder must be at least 1");
        }

        /** sacreBLEU's defaults: 13a, mixed case, exp smoothing, 4-grams, no effective order. */
        public static Options defaults() {
            return new Options(new Tokenizer13a(), false, Smooth.EXP, Double.NaN, 4, false);
        }

        public Options withTokenizer(SegmentTokenizer t) { return new Options(t, lowercase, smooth, smoothValue, maxNgramOrder, effectiveOrder); }
        public Options withLowercase(boolean lc) { return new Options(tokenizer, lc, smooth, smoothValue, maxNgramOrder, effectiveOrder); }
        public Options withSmooth(Smooth s, double value) { return new Options(tokenizer, lowercase, s, value, maxNgramOrder, effectiveOrder); }
        public Options withEffectiveOrder(boolean e) { return new Options(tokenizer, lowercase, smooth, smoothValue, maxNgramOrder, e); }
    }

    /**
     * sacreBLEU's {@code BLEUScore}: the score (0..100), matching and total n-gram counts per order (add-k smoothing
     * adds to both, as sacreBLEU does, hence doubles), precisions in percent, brevity penalty and the summed lengths.
     */
    public record Score(double score, double[] counts, double[] totals, double[] precisions, double bp,
                        long sysLen, long refLen) {
        /** sys_len / ref_len, 0 when ref_len is 0. */
        public double ratio() { return refLen == 0 ? 0 : (double) sysLen / refLen; }
    }

    private final Options options;

    public Bleu(Options options) { this.options = options; }

    public Bleu() { this(Options.defaults()); }

    public Options options() { return options; }

    /**
     * The corpus score of {@code hypotheses} against one or more reference streams; each stream has one reference
     * per hypothesis (sacreBLEU's {@code refs} argument).
     */
    public Score corpus(List<String> hypotheses, List<List<String>> referenceStreams) {
        long[] sum = new long[2 + 2 * options.maxNgramOrder];
        for (int i = 0; i < hypotheses.size(); i++) {
            long[] s = segmentStatistics(hypotheses.get(i), referencesOf(referenceStreams, i, hypotheses.size()));
            for (int k = 0; k < sum.length; k++) sum[k] += s[k];
        }
        return fromStatistics(sum);
    }

    /** sacreBLEU's {@code sentence_score}: the corpus score of one segment. */
    public Score sentence(String hypothesis, List<String> references) {
        return fromStatistics(segmentStatistics(hypothesis, references));
    }

    static List<String> referencesOf(List<List<String>> streams, int i, int n) {
        List<String> refs = new ArrayList<>(streams.size());
        for (List<String> stream : streams) {
            if (stream.size() != n) throw new IllegalArgumentException("a reference stream has " + stream.size()
                    + " segments but there are " + n + " hypotheses");
            refs.add(stream.get(i));
        }
        return refs;
    }

    /** sacreBLEU's {@code _preprocess_segment}: optional lower case, right strip, tokenize. */
    String preprocess(String segment) {
        if (options.lowercase) segment = PythonText.lower(segment);
        return options.tokenizer.tokenize(PythonText.rstrip(segment));
    }

    /** [hyp_len, ref_len, correct_1..N, total_1..N] for one segment (sacreBLEU's segment statistics). */
    long[] segmentStatistics(String hypothesis, List<String> references) {
        int order = options.maxNgramOrder;
        Map<String, Integer> refMax = new HashMap<>();
        int[] refLens = new int[references.size()];
        for (int r = 0; r < references.size(); r++) {
            List<String> tokens = PythonText.split(preprocess(references.get(r)));
            refLens[r] = tokens.size();
            countNgrams(tokens, order).forEach((g, c) -> refMax.merge(g, c, Math::max));
        }
        List<String> hyp = PythonText.split(preprocess(hypothesis));
        long[] stats = new long[2 + 2 * order];
        stats[0] = hyp.size();
        stats[1] = closestReferenceLength(hyp.size(), refLens);
        for (Map.Entry<String, Integer> e : countNgrams(hyp, order).entrySet()) {
            int n = ngramOrder(e.getKey()) - 1;
            stats[2 + order + n] += e.getValue();
            Integer ref = refMax.get(e.getKey());
            if (ref != null) stats[2 + n] += Math.min(e.getValue(), ref);
        }
        return stats;
    }

    /** The n-grams of orders 1..maxOrder, each a string of its tokens joined by spaces (tokens hold none). */
    static Map<String, Integer> countNgrams(List<String> tokens, int maxOrder) {
        Map<String, Integer> counts = new HashMap<>();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            b.setLength(0);
            for (int n = 1; n <= maxOrder && i + n <= tokens.size(); n++) {
                if (n > 1) b.append(' ');
                b.append(tokens.get(i + n - 1));
                counts.merge(b.toString(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static int ngramOrder(String ngram) {
        int n = 1;
        for (int i = 0; i < ngram.length(); i++) if (ngram.charAt(i) == ' ') n++;
        return n;
    }

    /** The reference length closest to the hypothesis length, the shorter one on a tie (sacreBLEU, mteval). */
    static int closestReferenceLength(int hypLen, int[] refLens) {
        int bestDiff = -1, best = -1;
        for (int len : refLens) {
            int diff = Math.abs(hypLen - len);
            if (bestDiff == -1 || diff < bestDiff) { bestDiff = diff; best = len; }
            else if (diff == bestDiff && len < best) best = len;
        }
        return best;
    }

    /** The score from summed statistics: sacreBLEU's {@code BLEU.compute_bleu}. */
    public Score fromStatistics(long[] stats) {
        int order = options.maxNgramOrder;
        double[] correct = new double[order], total = new double[order];
        for (int n = 0; n < order; n++) { correct[n] = stats[2 + n]; total[n] = stats[2 + order + n]; }
        long sysLen = stats[0], refLen = stats[1];
        double smoothValue = Double.isNaN(options.smoothValue) ? options.smooth.defaultValue : options.smoothValue;

        double bp = 1.0;
        if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0;
        double[] precisions = new double[order];
        boolean anyCorrect = false;
        for (double c : correct) anyCorrect |= c != 0;
        if (!anyCorrect) return new Score(0.0, correct, total, precisions, bp, sysLen, refLen);

        double smoothMteval = 1.0;
        int effOrder = order;
        for (int n = 1; n <= order; n++) {
            if (options.smooth == Smooth.ADD_K && n > 1) {
                correct[n - 1] += smoothValue;
                total[n - 1] += smoothValue;
            }
            if (total[n - 1] == 0) break;
            if (options.effectiveOrder) effOrder = n;
            if (correct[n - 1] == 0) {
                if (options.smooth == Smooth.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1]);
                } else if (options.smooth == Smooth.FLOOR) {
                    precisions[n - 1] = 100.0 * smoothValue / total[n - 1];
                }
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0;
        for (int n = 0; n < effOrder; n++) logSum += flooredLog(precisions[n]);
        return new Score(bp * Math.exp(logSum / effOrder), correct, total, precisions, bp, sysLen, refLen);
    }

    /** sacreBLEU's {@code my_log}: log, with log(0) floored to -9999999999. */
    private static double flooredLog(double x) {
        return x == 0.0 ? -9999999999.0 : Math.log(x);
    }
}
