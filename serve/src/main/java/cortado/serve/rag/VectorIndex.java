package cortado.serve.rag;

import java.util.List;

/**
 * A searchable set of vectors, each with the id of its insertion order: exact ({@link FlatIndex}) or approximate
 * ({@link HnswIndex}). Vectors and queries are prepared by the index's metric (unit length for cosine).
 */
public sealed interface VectorIndex permits FlatIndex, HnswIndex {
    /** Adds a vector and returns its id (0, 1, 2, ...). */
    int add(float[] vector);

    /** The {@code k} stored vectors scoring highest against {@code query}, best first. */
    List<SearchHit> search(float[] query, int k);

    VectorStore store();

    default int size() { return store().size(); }

    default int dim() { return store().dim(); }

    default Metric metric() { return store().metric(); }
}
