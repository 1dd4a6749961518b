package cortado.serve.rag;

/** One result of a vector or BM25 search: the stored item's id (its insertion order) and its score. */
public record SearchHit(int id, float score) {}
