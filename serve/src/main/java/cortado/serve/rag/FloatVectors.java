package cortado.serve.rag;

import java.util.Arrays;

/** fp32 rows, one array per vector. */
public final class FloatVectors implements VectorStore {
    private final int dim;
    private final Metric metric;
    private float[][] rows = new float[16][];
    private int size;

    FloatVectors(int dim, Metric metric) {
        if (dim <= 0) throw new IllegalArgumentException("dimension must be positive, got " + dim);
        this.dim = dim;
        this.metric = metric;
    }

    @Override public int dim() { return dim; }

    @Override public int size() { return size; }

    @Override public Metric metric() { return metric; }

    @Override
    public int add(float[] v) {
        if (v.length != dim) throw new IllegalArgumentException("vector of " + v.length + " entries, index has " + dim);
        if (size == rows.length) rows = Arrays.copyOf(rows, size * 2);
        rows[size] = v.clone();
        return size++;
    }

    @Override public float[] vector(int id) { return rows[id]; }

    @Override
    public float score(float[] q, float qq, int id) {
        return metric == Metric.L2 ? -InnerProduct.squaredDistance(q, rows[id], 0) : InnerProduct.dot(q, rows[id], 0);
    }
}
