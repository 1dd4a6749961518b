package cortado.serve.rag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Okapi BM25 over a fixed set of documents (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and
 * Beyond", 2009), with k1 = 1.2 and b = 0.75 (Lucene's defaults). A document's score for a query is
 *
 * <pre>  sum over the query's terms t:  idf(t) * tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl))</pre>
 *
 * with tf the term's count in the document, |d| its length in terms, avgdl the mean length, and Lucene's idf
 * ln(1 + (N - n + 0.5) / (n + 0.5)) (N documents, n of them holding t), which stays positive for terms in most
 * documents (rank_bm25's BM25Okapi floors its negative idf instead). A term repeated in the query counts each time,
 * as rank_bm25's {@code get_scores}. Terms are the lowercased runs of letters and digits ({@link #terms}); no stemming,
 * no stop words.
 */
public final class Bm25 {
    public static final double K1 = 1.2, B = 0.75;

    private final int[] lengths;
    private final double averageLength;
    /** term -> {doc id, count, doc id, count, ...} in doc id order. */
    private final Map<String, int[]> postings = new HashMap<>();

    public Bm25(List<String> documents) {
        lengths = new int[documents.size()];
        Map<String, List<Integer>> building = new HashMap<>();
        long total = 0;
        for (int d = 0; d < documents.size(); d++) {
            List<String> terms = terms(documents.get(d));
            lengths[d] = terms.size();
            total += terms.size();
            Map<String, Integer> tf = new HashMap<>();
            for (String t : terms) tf.merge(t, 1, Integer::sum);
            for (Map.Entry<String, Integer> e : tf.entrySet()) {
                List<Integer> p = building.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                p.add(d);
                p.add(e.getValue());
            }
        }
        averageLength = documents.isEmpty() ? 0 : (double) total / documents.size();
        for (Map.Entry<String, List<Integer>> e : building.entrySet())
            postings.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
    }

    public int size() { return lengths.length; }

    /** Lucene's idf of a term found in {@code n} of the documents. */
    public double idf(String term) {
        int[] p = postings.get(term);
        int n = p == null ? 0 : p.length / 2;
        return Math.log(1 + (lengths.length - n + 0.5) / (n + 0.5));
    }

    /** Every document's score for the query (0 where no term matches). */
    public double[] scores(String query) {
        double[] s = new double[lengths.length];
        for (String t : terms(query)) {
            int[] p = postings.get(t);
            if (p == null) continue;
            double idf = idf(t);
            for (int i = 0; i < p.length; i += 2) {
                int d = p[i], tf = p[i + 1];
                double norm = K1 * (1 - B + B * lengths[d] / averageLength);
                s[d] += idf * tf * (K1 + 1) / (tf + norm);
            }
        }
        return s;
    }

    /** The {@code k} best-scoring documents with a score above 0, best first (ties: lower id first). */
    public List<SearchHit> search(String query, int k) {
        double[] s = scores(query);
        List<Integer> matched = new ArrayList<>();
        for (int d = 0; d < s.length; d++) if (s[d] > 0) matched.add(d);
        matched.sort((x, y) -> s[x] != s[y] ? Double.compare(s[y], s[x]) : Integer.compare(x, y));
        List<SearchHit> out = new ArrayList<>();
        for (int d : matched.subList(0, Math.min(Math.max(k, 0), matched.size()))) out.add(new SearchHit(d, (float) s[d]));
        return out;
    }

    /** The text's terms: maximal runs of letters and digits, lowercased (Locale.ROOT). */
    public static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (!Character.isLetterOrDigit(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            while (i < n && Character.isLetterOrDigit(cp = text.codePointAt(i))) i += Character.charCount(cp);
            out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
