package cortado.serve.rag;

/**
 * The settings of an {@link HnswIndex}, named as in Malkov and Yashunin, "Efficient and robust approximate nearest
 * neighbor search using Hierarchical Navigable Small World graphs" (2016), and as faiss names them.
 *
 * @param m              links per node on the upper layers; layer 0 keeps up to 2m (faiss's and the paper's Mmax0)
 * @param efConstruction candidates kept while linking a new node
 * @param efSearch       candidates kept while searching (at least k)
 * @param seed           draws each node's top layer (from the seed and the node's id alone)
 */
public record HnswConfig(int m, int efConstruction, int efSearch, long seed) {
    public HnswConfig {
        if (m < 2) throw new IllegalArgumentException("M must be at least 2, got " + m);
        if (efConstruction < 1 || efSearch < 1)
            throw new IllegalArgumentException("efConstruction and efSearch must be positive");
    }

    /** faiss's IndexHNSWFlat defaults for M: efConstruction 40, efSearch 16, and seed 42. */
    public static HnswConfig of(int m) { return new HnswConfig(m, 40, 16, 42); }

    public HnswConfig withEfSearch(int ef) { return new HnswConfig(m, efConstruction, ef, seed); }
}
