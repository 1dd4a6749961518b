package cortado.serve.rag;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the chunks of a {@link RagIndex} for a question: by embedding similarity (dense), by BM25, or both fused by
 * reciprocal rank (hybrid, as {@link HybridFusion} says). Every result carries both scores, the dense one as the
 * index's metric scores the stored vector (cosine: in [-1, 1]) and BM25's, so a caller can judge relevance on either
 * scale.
 */
public final class Retriever {
    public enum Mode { DENSE, BM25, HYBRID }

    /**
     * One retrieved chunk.
     *
     * @param id    the chunk's position in the index (its vector id)
     * @param score the score it was ranked by (the dense score, BM25's, or the fused reciprocal-rank sum)
     */
    public record Result(int id, Chunk chunk, double score, double dense, double bm25) {}

    private final RagIndex index;
    private final TextEmbedder embedder;

    public Retriever(RagIndex index, TextEmbedder embedder) {
        this.index = index;
        this.embedder = embedder;
    }

    /** {@link #retrieve(String, Mode, int, HybridFusion)} with {@link HybridFusion#DEFAULT}. */
    public List<Result> retrieve(String question, Mode mode, int k) { return retrieve(question, mode, k, HybridFusion.DEFAULT); }

    /** The k best chunks for {@code question}; {@code fusion} says how hybrid mode fuses its two rankings. */
    public List<Result> retrieve(String question, Mode mode, int k, HybridFusion fusion) {
        if (k <= 0 || index.chunks().isEmpty()) return List.of();
        float[] query = mode == Mode.BM25 ? null : embedder.embed(List.of(question))[0];
        double[] bm25 = index.bm25().scores(question);
        List<SearchHit> ranked = switch (mode) {
            case DENSE -> index.vectors().search(query, k);
            case BM25 -> index.bm25().search(question, k);
            case HYBRID -> {
                int depth = fusion.depthFor(k);
                List<SearchHit> fused = ReciprocalRankFusion.fuse(List.of(index.vectors().search(query, depth),
                        index.bm25().search(question, depth)), new double[] {fusion.denseWeight(), fusion.bm25Weight()},
                        ReciprocalRankFusion.K);
                yield fused.subList(0, Math.min(k, fused.size()));
            }
        };
        VectorStore store = index.vectors().store();
        float[] q = query == null ? null : store.metric().prepare(query);
        float qq = q == null ? 0 : VectorStore.squaredNorm(q);
        List<Result> out = new ArrayList<>();
        for (SearchHit h : ranked)
            out.add(new Result(h.id(), index.chunks().get(h.id()), h.score(),
                    q == null ? Double.NaN : store.score(q, qq, h.id()), bm25[h.id()]));
        return out;
    }
}
