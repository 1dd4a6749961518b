package cortado.serve.rag;

/**
 * How hybrid retrieval fuses the dense and BM25 rankings by reciprocal rank ({@link ReciprocalRankFusion}, k = 60):
 * each retriever contributes its top {@code depth} results (0: the k the caller asks for, as Elasticsearch's rrf
 * retriever defaults its {@code rank_window_size} to the request's size; a depth below k is raised to k), each rank
 * r adding {@code weight / (60 + r)} (weighted RRF, as Elasticsearch's per-retriever {@code weight}; 1 and 1 is the
 * paper's unweighted sum).
 *
 * <p>Why not fuse deeper by default: with k = 60 a rank's vote barely falls with depth (rank 1: 1/61, rank 24: 1/84),
 * so a long tail that a retriever itself ranks low, such as BM25's matches on common words alone, outvotes the other
 * retriever's best result. Fusing the top k of each keeps every vote to what its retriever would return by itself.
 */
public record HybridFusion(int depth, double denseWeight, double bm25Weight) {
    /** Each retriever's top k, equal weights. */
    public static final HybridFusion DEFAULT = new HybridFusion(0, 1, 1);

    public HybridFusion {
        if (depth < 0) throw new IllegalArgumentException("fusion depth must be >= 0 (0: k), got " + depth);
        if (!(denseWeight >= 0) || !(bm25Weight >= 0) || Double.isInfinite(denseWeight) || Double.isInfinite(bm25Weight))
            throw new IllegalArgumentException("fusion weights must be finite and >= 0, got dense " + denseWeight
                    + ", bm25 " + bm25Weight);
        if (denseWeight + bm25Weight == 0) throw new IllegalArgumentException("the fusion weights cannot both be 0");
    }

    /** How deep each ranking goes for a request of k results. */
    public int depthFor(int k) { return Math.max(depth, k); }
}
