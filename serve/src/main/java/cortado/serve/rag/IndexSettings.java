package cortado.serve.rag;

/**
 * How a RAG index was built; an index is updated incrementally only when these are unchanged.
 *
 * @param embedModel the embedding model's directory, as given (absolute)
 * @param unit       what chunk sizes count
 * @param hnsw       null: exact (flat) search
 * @param int8       vectors kept as int8 codes
 */
public record IndexSettings(String embedModel, ChunkUnit unit, int chunkSize, int overlap, Metric metric, HnswConfig hnsw,
                            boolean int8) {
    public Chunker chunker(TextEmbedder embedder) {
        return new Chunker(unit, chunkSize, overlap, unit == ChunkUnit.TOKENS ? embedder.tokenizer() : null);
    }

    public VectorIndex emptyIndex(int dim) {
        return hnsw == null ? new FlatIndex(dim, metric, int8) : new HnswIndex(dim, metric, int8, hnsw);
    }

    /** What differs between these settings and {@code other}'s, for a message; empty when they agree. */
    public String differences(IndexSettings other) {
        StringBuilder b = new StringBuilder();
        if (!embedModel.equals(other.embedModel)) b.append("embedding model ").append(other.embedModel).append(" -> ").append(embedModel).append("; ");
        if (unit != other.unit || chunkSize != other.chunkSize || overlap != other.overlap)
            b.append("chunking ").append(other.chunkSize).append('/').append(other.overlap).append(' ').append(other.unit)
                    .append(" -> ").append(chunkSize).append('/').append(overlap).append(' ').append(unit).append("; ");
        if (metric != other.metric) b.append("metric ").append(other.metric.id()).append(" -> ").append(metric.id()).append("; ");
        if (b.length() > 0) b.setLength(b.length() - 2);
        return b.toString();
    }
}
