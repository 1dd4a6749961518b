package cortado.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * ROUGE as Google's {@code rouge-score} package computes it (Lin 2004, "ROUGE: A Package for Automatic Evaluation of
 * Summaries"; rouge_scorer.py): text lower-cased, every run of characters other than a-z and 0-9 a separator, tokens
 * longer than 3 letters optionally Porter-stemmed (NLTK's stemmer). {@code rougeN}: clipped n-gram overlap;
 * {@code rougeL}: longest common subsequence; {@code rougeLsum}: summary-level LCS over newline-separated sentences
 * (the union LCS of each reference sentence against all candidate sentences, each token counted at most as often as
 * it occurs on both sides, as ROUGE-1.5.5). Each gives precision, recall and F1.
 */
public final class Rouge {
    /** Precision, recall and F-measure, each in 0..1 (rouge-score's {@code Score}). */
    public record Score(double precision, double recall, double fmeasure) {
        static Score of(double p, double r) { return new Score(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0.0); }

        static final Score ZERO = new Score(0, 0, 0);
    }

    private final List<String> types;
    private final PorterStemmer stemmer;

    /** {@code types}: rouge1..rouge9, rougeL, rougeLsum. */
    public Rouge(List<String> types, boolean useStemmer) {
        for (String t : types) {
            if (!t.equals("rougeL") && !t.equals("rougeLsum") && !t.matches("rouge[1-9]"))
                throw new IllegalArgumentException("invalid ROUGE type '" + t + "' (rouge1..rouge9, rougeL, rougeLsum)");
        }
        this.types = List.copyOf(types);
        this.stemmer = useStemmer ? new PorterStemmer() : null;
    }

    public List<String> types() { return types; }

    /** rouge-score's {@code score(target, prediction)}: one score per type, in the order asked. */
    public Map<String, Score> score(String target, String prediction) {
        List<String> t = tokenize(target), p = tokenize(prediction);
        Map<String, Score> out = new LinkedHashMap<>();
        for (String type : types) {
            Score s;
            if (type.equals("rougeL")) s = lcsScore(t, p);
            else if (type.equals("rougeLsum")) s = summaryLcs(sentences(target), sentences(prediction));
            else s = ngramScore(t, p, type.charAt(5) - '0');
            out.put(type, s);
        }
        return out;
    }

    /** rouge-score's tokenizer: lower case, non-[a-z0-9] runs are separators, stem tokens of more than 3 letters. */
    public List<String> tokenize(String text) {
        String lower = PythonText.lower(text);
        List<String> tokens = new ArrayList<>();
        int i = 0, n = lower.length();
        while (i < n) {
            while (i < n && !isAlnum(lower.charAt(i))) i++;
            int start = i;
            while (i < n && isAlnum(lower.charAt(i))) i++;
            if (i > start) {
                String tok = lower.substring(start, i);
                if (stemmer != null && tok.length() > 3) tok = stemmer.stem(tok);
                if (!tok.isEmpty()) tokens.add(tok);
            }
        }
        return tokens;
    }

    private static boolean isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

    private List<List<String>> sentences(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String s : text.split("\n", -1)) if (!s.isEmpty()) out.add(tokenize(s));
        return out;
    }

    static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> m = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) m.merge(tokens.subList(i, i + n), 1, Integer::sum);
        return m;
    }

    static Score ngramScore(List<String> target, List<String> prediction, int n) {
        Map<List<String>, Integer> t = ngrams(target, n), p = ngrams(prediction, n);
        long overlap = 0;
        for (Map.Entry<List<String>, Integer> e : t.entrySet()) overlap += Math.min(e.getValue(), p.getOrDefault(e.getKey(), 0));
        long tCount = Math.max(0, target.size() - n + 1), pCount = Math.max(0, prediction.size() - n + 1);
        return Score.of((double) overlap / Math.max(pCount, 1), (double) overlap / Math.max(tCount, 1));
    }

    static int[][] lcsTable(List<String> ref, List<String> can) {
        int[][] t = new int[ref.size() + 1][can.size() + 1];
        for (int i = 1; i <= ref.size(); i++)
            for (int j = 1; j <= can.size(); j++)
                t[i][j] = ref.get(i - 1).equals(can.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
        return t;
    }

    static Score lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) return Score.ZERO;
        int lcs = lcsTable(target, prediction)[target.size()][prediction.size()];
        return Score.of((double) lcs / prediction.size(), (double) lcs / target.size());
    }

    /** The reference indices of one LCS, read back from the table as rouge-score's {@code _backtrack_norec}. */
    static List<Integer> lcsIndices(List<String> ref, List<String> can) {
        int[][] t = lcsTable(ref, can);
        List<Integer> out = new ArrayList<>();
        int i = ref.size(), j = can.size();
        while (i > 0 && j > 0) {
            if (ref.get(i - 1).equals(can.get(j - 1))) { out.addFirst(i - 1); i--; j--; }
            else if (t[i][j - 1] > t[i - 1][j]) j--;
            else i--;
        }
        return out;
    }

    static Score summaryLcs(List<List<String>> refSents, List<List<String>> canSents) {
        if (refSents.isEmpty() || canSents.isEmpty()) return Score.ZERO;
        long m = 0, n = 0;
        Map<String, Integer> refCounts = new HashMap<>(), canCounts = new HashMap<>();
        for (List<String> s : refSents) { m += s.size(); for (String tok : s) refCounts.merge(tok, 1, Integer::sum); }
        for (List<String> s : canSents) { n += s.size(); for (String tok : s) canCounts.merge(tok, 1, Integer::sum); }
        if (m == 0 || n == 0) return Score.ZERO;
        long hits = 0;
        for (List<String> r : refSents) {
            TreeSet<Integer> union = new TreeSet<>();
            for (List<String> c : canSents) union.addAll(lcsIndices(r, c));
            for (int idx : union) {
                String tok = r.get(idx);
                if (canCounts.getOrDefault(tok, 0) > 0 && refCounts.getOrDefault(tok, 0) > 0) {
                    hits++;
                    canCounts.merge(tok, -1, Integer::sum);
                    refCounts.merge(tok, -1, Integer::sum);
                }
            }
        }
        return Score.of((double) hits / n, (double) hits / m);
    }
}
