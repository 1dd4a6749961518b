package cortado.serve.rag;

/**
 * How an index scores a stored vector against a query; always "higher is closer", so every search keeps the largest
 * scores. {@link #COSINE} normalizes stored vectors and queries to unit length, then takes the inner product;
 * {@link #L2} scores by the negated squared Euclidean distance (faiss's METRIC_L2 ranking).
 */
public enum Metric {
    INNER_PRODUCT("ip"), COSINE("cosine"), L2("l2");

    private final String id;

    Metric(String id) { this.id = id; }

    /** The name used on the command line and in index files' manifests. */
    public String id() { return id; }

    public static Metric of(String id) {
        for (Metric m : values()) if (m.id.equals(id)) return m;
        throw new IllegalArgumentException("unknown metric '" + id + "' (ip, cosine or l2)");
    }

    /** The vector as this metric stores and queries it: a unit-length copy for cosine, else the vector itself. */
    float[] prepare(float[] v) {
        if (this != COSINE) return v;
        double s = 0;
        for (float x : v) s += (double) x * x;
        float[] u = v.clone();
        if (s == 0) return u;   // a zero vector stays zero (its cosine with anything is 0)
        float inv = (float) (1 / Math.sqrt(s));
        for (int i = 0; i < u.length; i++) u[i] *= inv;
        return u;
    }
}
