package cortado.serve.rag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): an item's fused score is the sum over the
 * rankings that hold it of 1 / (k + rank), ranks counted from 1, with k = 60 as in the paper. Only ranks matter, so
 * dense cosines and BM25 scores, on unrelated scales, combine without calibration. Weighted RRF scales each ranking's
 * votes by its weight (Elasticsearch's rrf retriever takes a weight per retriever the same way).
 */
public final class ReciprocalRankFusion {
    public static final int K = 60;

    private ReciprocalRankFusion() {}

    /**
     * The fused ranking of every item in any of {@code rankings} (each best first), best first; ties: lower id.
     * Ranking i's item at rank r adds {@code weights[i] / (k + r)}.
     */
    public static List<SearchHit> fuse(List<List<SearchHit>> rankings, double[] weights, int k) {
        if (weights.length != rankings.size())
            throw new IllegalArgumentException(weights.length + " weights for " + rankings.size() + " rankings");
        Map<Integer, Double> fused = new LinkedHashMap<>();
        for (int i = 0; i < rankings.size(); i++) {
            List<SearchHit> ranking = rankings.get(i);
            for (int r = 0; r < ranking.size(); r++) fused.merge(ranking.get(r).id(), weights[i] / (k + r + 1), Double::sum);
        }
        List<Map.Entry<Integer, Double>> entries = new ArrayList<>(fused.entrySet());
        entries.sort(Comparator.comparing((Map.Entry<Integer, Double> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey));
        List<SearchHit> out = new ArrayList<>(entries.size());
        for (Map.Entry<Integer, Double> e : entries) out.add(new SearchHit(e.getKey(), (float) (double) e.getValue()));
        return out;
    }

    /** Unweighted: every ranking's weight is 1. */
    public static List<SearchHit> fuse(List<List<SearchHit>> rankings, int k) {
        double[] ones = new double[rankings.size()];
        java.util.Arrays.fill(ones, 1);
        return fuse(rankings, ones, k);
    }

    public static List<SearchHit> fuse(List<List<SearchHit>> rankings) { return fuse(rankings, K); }
}
