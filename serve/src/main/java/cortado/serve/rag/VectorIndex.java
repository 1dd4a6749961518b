package cortado.serve.rag;

import java.util.List;

/**
 * A searchable set of vectors, each with the id of its insertion order: exact ({@link FlatIndex}) or approximate
 * ({@link HnswIndex}). Vectors and queries are prepared by the index's metric (unit length for cosine).
 */
public sealed interface VectorIndex permits FlatIndex, HnswIndex {
    /** Adds a vector and returns its id (0, 1, 2, ...). */
    int add(float[] vector);

    /**
     * Adds a vector the metric has already prepared (one read back from an index of the same metric and storage) as
     * it is, and returns its id: preparing it again is not exact in floats (a unit vector renormalized moves by an ulp).
     */
    int addPrepared(float[] vector);

    /** The {@code k} stored vectors scoring highest against {@code query}, best first. */
    List<SearchHit> search(float[] query, int k);

    VectorStore store();

    default int size() { return store().size(); }

    default int dim() { return store().dim(); }

    default Metric metric() { return store().metric(); }
}
