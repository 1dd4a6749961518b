package cortado.serve.rag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): an item's fused score is the sum over the
 * rankings that hold it of 1 / (k + rank), ranks counted from 1, with k = 60 as in the paper. Only ranks matter, so
 * dense cosines and BM25 scores, on unrelated scales, combine without calibration.
 */
public final class ReciprocalRankFusion {
    public static final int K = 60;

    private ReciprocalRankFusion() {}

    /** The fused ranking of every item in any of {@code rankings} (each best first), best first; ties: lower id. */
    public static List<SearchHit> fuse(List<List<SearchHit>> rankings, int k) {
        Map<Integer, Double> fused = new LinkedHashMap<>();
        for (List<SearchHit> ranking : rankings)
            for (int r = 0; r < ranking.size(); r++) fused.merge(ranking.get(r).id(), 1.0 / (k + r + 1), Double::sum);
        List<Map.Entry<Integer, Double>> entries = new ArrayList<>(fused.entrySet());
        entries.sort(Comparator.comparing((Map.Entry<Integer, Double> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey));
        List<SearchHit> out = new ArrayList<>(entries.size());
        for (Map.Entry<Integer, Double> e : entries) out.add(new SearchHit(e.getKey(), (float) (double) e.getValue()));
        return out;
    }

    public static List<SearchHit> fuse(List<List<SearchHit>> rankings) { return fuse(rankings, K); }
}
