package cortado.serve.rag;

/**
 * The vectors an index holds, by id (insertion order), as the index's {@link Metric} prepared them: fp32 rows
 * ({@link FloatVectors}) or int8 codes with a scale each ({@link Int8Vectors}).
 */
public abstract sealed class VectorStore permits FloatVectors, Int8Vectors {
    private final int dim;
    private final Metric metric;
    private int size;

    VectorStore(int dim, Metric metric) {
        if (dim <= 0) throw new IllegalArgumentException("dimension must be positive, got " + dim);
        this.dim = dim;
        this.metric = metric;
    }

    public final int dim() { return dim; }

    public final int size() { return size; }

    public final Metric metric() { return metric; }

    /** Stores {@code v} (already prepared by the metric) and returns its id. */
    public abstract int add(float[] v);

    /** The stored vector as floats (int8 codes decoded); callers must not change the array. */
    public abstract float[] vector(int id);

    /**
     * The metric's score of stored vector {@code id} against query {@code q} (prepared); {@code qq} is q's squared
     * norm, which only L2 over int8 codes needs.
     */
    public abstract float score(float[] q, float qq, int id);

    /** Whether the store keeps int8 codes. */
    public final boolean quantized() { return this instanceof Int8Vectors; }

    /** Refuses a row ({@code what}: vector, codes) of other than {@link #dim} entries. */
    final void checkLength(int entries, String what) {
        if (entries != dim) throw new IllegalArgumentException(what + " of " + entries + " entries, index has " + dim);
    }

    /** Counts the row a subclass has just stored at id {@link #size}, and returns that id. */
    final int appended() { return size++; }

    /** An empty store of the kind asked for. */
    public static VectorStore create(int dim, Metric metric, boolean int8) {
        return int8 ? new Int8Vectors(dim, metric) : new FloatVectors(dim, metric);
    }

    public static float squaredNorm(float[] v) {
        float s = 0;
        for (float x : v) s += x * x;
        return s;
    }
}
