package cortado.serve.rag;

/**
 * The vectors an index holds, by id (insertion order), as the index's {@link Metric} prepared them: fp32 rows
 * ({@link FloatVectors}) or int8 codes with a scale each ({@link Int8Vectors}).
 */
public sealed interface VectorStore permits FloatVectors, Int8Vectors {
    int dim();

    int size();

    Metric metric();

    /** Stores {@code v} (already prepared by the metric) and returns its id. */
    int add(float[] v);

    /** The stored vector as floats (int8 codes decoded); callers must not change the array. */
    float[] vector(int id);

    /**
     * The metric's score of stored vector {@code id} against query {@code q} (prepared); {@code qq} is q's squared
     * norm, which only L2 over int8 codes needs.
     */
    float score(float[] q, float qq, int id);

    /** Whether the store keeps int8 codes. */
    default boolean quantized() { return this instanceof Int8Vectors; }

    /** An empty store of the kind asked for. */
    static VectorStore create(int dim, Metric metric, boolean int8) {
        return int8 ? new Int8Vectors(dim, metric) : new FloatVectors(dim, metric);
    }

    static float squaredNorm(float[] v) {
        float s = 0;
        for (float x : v) s += x * x;
        return s;
    }
}
