package cortado.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Translation Edit Rate as sacreBLEU 2 computes it (Snover et al. 2006, "A Study of Translation Edit Rate with
 * Targeted Human Annotation"; Tercom): per segment, greedily apply the block shift of hypothesis words that lowers
 * the edit distance most, until none does (or 1000 candidate shifts were tried), then count shifts + the remaining
 * word edit distance; the fewest edits over the references, divided by the average reference length, summed over the
 * corpus: {@code TER = 100 * sum(edits) / sum(avg ref len)}. Mirrors {@code sacrebleu.metrics.ter.TER} and its
 * lib_ter.py, including Tercom's shift limits (at most 10 words, at most 50 positions away) and candidate ranking.
 */
public final class Ter {
    static final int MAX_SHIFT_SIZE = 10, MAX_SHIFT_DIST = 50, MAX_SHIFT_CANDIDATES = 1000;

    /** sacreBLEU's {@code TER(...)} arguments. */
    public record Options(boolean normalized, boolean noPunct, boolean asianSupport, boolean caseSensitive) {
        public static Options defaults() { return new Options(false, false, false, false); }
    }

    /** The score (0..100 and beyond), the summed best edit counts and the summed average reference lengths. */
    public record Score(double score, double numEdits, double refLength) {}

    private final Options options;
    private final TercomTokenizer tokenizer;

    public Ter(Options options) {
        this.options = options;
        this.tokenizer = new TercomTokenizer(options.normalized, options.noPunct, options.asianSupport, options.caseSensitive);
    }

    public Ter() { this(Options.defaults()); }

    public Options options() { return options; }

    public Score corpus(List<String> hypotheses, List<List<String>> referenceStreams) {
        double edits = 0, refLen = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            double[] s = segmentStatistics(hypotheses.get(i), Bleu.referencesOf(referenceStreams, i, hypotheses.size()));
            edits += s[0];
            refLen += s[1];
        }
        return fromStatistics(edits, refLen);
    }

    public Score sentence(String hypothesis, List<String> references) {
        double[] s = segmentStatistics(hypothesis, references);
        return fromStatistics(s[0], s[1]);
    }

    private static Score fromStatistics(double edits, double refLen) {
        double score;
        if (refLen > 0) score = edits / refLen;
        else score = edits > 0 ? 1.0 : 0.0; // empty references: 1 if the hypothesis has words, else 0
        return new Score(100 * score, edits, refLen);
    }

    /** [best edits, average reference length] for one segment. */
    double[] segmentStatistics(String hypothesis, List<String> references) {
        List<String> hyp = PythonText.split(tokenizer.tokenize(PythonText.rstrip(hypothesis)));
        long best = BeamEditDistance.INFINITY;
        double refLengths = 0;
        for (String r : references) {
            // sacreBLEU prepares each reference twice (TER._cache_references, then TER._extract_reference_info);
            // the second pass matters only with normalized=True, where e.g. "it's..." becomes "it 's . . .".
            String once = tokenizer.tokenize(PythonText.rstrip(r));
            List<String> ref = PythonText.split(tokenizer.tokenize(PythonText.rstrip(once)));
            long[] er = editsAndLength(hyp, ref);
            refLengths += er[1];
            best = Math.min(best, er[0]);
        }
        return new double[] {best, refLengths / references.size()};
    }

    /** lib_ter.py's {@code translation_edit_rate}: [shifts + edit distance, reference length]. */
    static long[] editsAndLength(List<String> hyp, List<String> ref) {
        if (ref.isEmpty()) return new long[] {hyp.size(), 0};
        BeamEditDistance ed = new BeamEditDistance(ref);
        int shifts = 0;
        List<String> words = hyp;
        int[] checked = {0};
        while (true) {
            ShiftResult s = bestShift(words, ref, ed, checked);
            if (checked[0] >= MAX_SHIFT_CANDIDATES) break; // the search ran out of budget: its last find is dropped
            if (s.gain <= 0) break;
            shifts++;
            words = s.words;
        }
        return new long[] {shifts + ed.compute(words).distance(), ref.size()};
    }

    private record ShiftResult(long gain, List<String> words) {}

    /** lib_ter.py's {@code _shift}: the best-ranked shift of this round, counting candidates in {@code checked[0]}. */
    private static ShiftResult bestShift(List<String> h, List<String> r, BeamEditDistance ed, int[] checked) {
        BeamEditDistance.Result pre = ed.compute(h);
        // The alignment reads the trace as rewriting the reference into the hypothesis: insertions and deletions swap.
        int nr = r.size(), nh = h.size();
        int[] align = new int[nr];
        int[] refErr = new int[nr], hypErr = new int[nh];
        int posH = -1, posR = -1;
        for (int k = 0; k < pre.trace().length(); k++) {
            char o = pre.trace().charAt(k);
            switch (o) {
                case BeamEditDistance.NOP -> { posH++; posR++; align[posR] = posH; }
                case BeamEditDistance.SUB -> { posH++; posR++; align[posR] = posH; hypErr[posH] = 1; refErr[posR] = 1; }
                case BeamEditDistance.DEL -> { posH++; hypErr[posH] = 1; }      // flipped: an insertion into h
                case BeamEditDistance.INS -> { posR++; align[posR] = posH; refErr[posR] = 1; } // flipped: a deletion
                default -> throw new IllegalStateException("unknown edit operation " + o);
            }
        }
        long bestGain = 0;
        int bestLength = 0, bestStart = 0, bestIdx = 0;
        List<String> bestWords = null;
        outer:
        for (int startH = 0; startH < nh; startH++) {
            for (int startR = 0; startR < nr; startR++) {
                if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue;
                for (int length = 1; length <= MAX_SHIFT_SIZE
                        && startH + length <= nh && startR + length <= nr
                        && h.get(startH + length - 1).equals(r.get(startR + length - 1)); length++) {
                    // _find_shifted_pairs yields (startH, startR, length) for each matching prefix length
                    if (sum(hypErr, startH, length) == 0) continue; // the hypothesis words were right
                    if (sum(refErr, startR, length) == 0) continue; // the reference words are matched already
                    if (startH <= align[startR] && align[startR] < startH + length) continue; // within itself
                    int prevIdx = -1;
                    for (int offset = -1; offset < length; offset++) {
                        int idx;
                        if (startR + offset == -1) idx = 0;
                        else idx = align[startR + offset] + 1; // insert before this index (Tercom: after)
                        if (idx == prevIdx) continue;
                        prevIdx = idx;
                        List<String> shifted = performShift(h, startH, length, idx);
                        long gain = pre.distance() - ed.compute(shifted).distance();
                        checked[0]++;
                        // rank: larger gain, then longer, then earlier start, then earlier target (Tercom's order)
                        if (bestWords == null || gain > bestGain
                                || (gain == bestGain && (length > bestLength
                                || (length == bestLength && (-startH > -bestStart
                                || (startH == bestStart && -idx > -bestIdx)))))) {
                            bestGain = gain; bestLength = length; bestStart = startH; bestIdx = idx; bestWords = shifted;
                        }
                    }
                    if (checked[0] >= MAX_SHIFT_CANDIDATES) break outer;
                }
            }
        }
        return bestWords == null ? new ShiftResult(0, h) : new ShiftResult(bestGain, bestWords);
    }

    private static int sum(int[] a, int from, int length) {
        int s = 0;
        for (int i = from; i < Math.min(a.length, from + length); i++) s += a[i];
        return s;
    }

    /** lib_ter.py's {@code _perform_shift}: move words[start, start+length) to before index target. */
    static List<String> performShift(List<String> w, int start, int length, int target) {
        List<String> out = new ArrayList<>(w.size());
        if (target < start) {
            out.addAll(slice(w, 0, target));
            out.addAll(slice(w, start, start + length));
            out.addAll(slice(w, target, start));
            out.addAll(slice(w, start + length, w.size()));
        } else if (target > start + length) {
            out.addAll(slice(w, 0, start));
            out.addAll(slice(w, start + length, target));
            out.addAll(slice(w, start, start + length));
            out.addAll(slice(w, target, w.size()));
        } else { // a target inside the moved block: sacreBLEU's formula, kept as is
            out.addAll(slice(w, 0, start));
            out.addAll(slice(w, start + length, length + target));
            out.addAll(slice(w, start, start + length));
            out.addAll(slice(w, length + target, w.size()));
        }
        return out;
    }

    /** Python's {@code w[a:b]} for non-negative a and b: clamped to the list, empty when b <= a. */
    private static List<String> slice(List<String> w, int a, int b) {
        a = Math.min(a, w.size());
        b = Math.min(b, w.size());
        return b <= a ? List.of() : w.subList(a, b);
    }
}
