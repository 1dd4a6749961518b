package cortado.serve.rag;

import java.util.Arrays;

/** fp32 rows, one array per vector. */
public final class FloatVectors extends VectorStore {
    private float[][] rows = new float[16][];

    FloatVectors(int dim, Metric metric) { super(dim, metric); }

    @Override
    public int add(float[] v) {
        checkLength(v.length, "vector");
        int id = size();
        if (id == rows.length) rows = Arrays.copyOf(rows, id * 2);
        rows[id] = v.clone();
        return appended();
    }

    @Override public float[] vector(int id) { return rows[id]; }

    @Override
    public float score(float[] q, float qq, int id) {
        return metric() == Metric.L2 ? -InnerProduct.squaredDistance(q, rows[id], 0) : InnerProduct.dot(q, rows[id], 0);
    }
}
