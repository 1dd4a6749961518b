package cortado.serve.rag;

import java.util.List;

/** Exact search: every stored vector is scored against the query (faiss's IndexFlat). */
public final class FlatIndex implements VectorIndex {
    private final VectorStore store;

    public FlatIndex(VectorStore store) { this.store = store; }

    public FlatIndex(int dim, Metric metric, boolean int8) { this(VectorStore.create(dim, metric, int8)); }

    @Override public int add(float[] vector) { return addPrepared(store.metric().prepare(vector)); }

    @Override public int addPrepared(float[] vector) { return store.add(vector); }

    @Override
    public List<SearchHit> search(float[] query, int k) {
        if (query.length != store.dim())
            throw new IllegalArgumentException("query of " + query.length + " entries, index has " + store.dim());
        if (k <= 0) return List.of();
        float[] q = store.metric().prepare(query);
        float qq = VectorStore.squaredNorm(q);
        ScoredQueue best = ScoredQueue.keepingBest(k);
        for (int id = 0, n = store.size(); id < n; id++) best.offer(id, store.score(q, qq, id));
        return best.drainBestFirst();
    }

    @Override public VectorStore store() { return store; }
}
