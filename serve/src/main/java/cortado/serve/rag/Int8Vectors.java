package cortado.serve.rag;

import java.util.Arrays;

/**
 * Scalar-quantized rows: each vector x is kept as int8 codes c = round(127 x / s) with its own scale s = max |x_i|
 * (symmetric absmax, as bitsandbytes' row-wise int8), so x is read back as s c / 127 and a query's inner product is
 * (s / 127) sum q_i c_i, computed on the codes. 4x smaller than fp32; per-vector scales need no training pass, so
 * vectors can be added one at a time. For L2 the decoded vector's squared norm is kept too:
 * |q - x|^2 = |q|^2 - 2 q.x + |x|^2. Decoding and encoding again gives the same codes (the largest entry decodes to
 * exactly s), so an index rebuilt from decoded vectors loses nothing more.
 */
public final class Int8Vectors extends VectorStore {
    private byte[][] codes = new byte[16][];
    private float[] scales = new float[16], norms = new float[16];

    Int8Vectors(int dim, Metric metric) { super(dim, metric); }

    @Override
    public int add(float[] v) {
        checkLength(v.length, "vector");
        int dim = dim();
        float max = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) throw new IllegalArgumentException("vector has a non-finite entry " + x);
            max = Math.max(max, Math.abs(x));
        }
        byte[] c = new byte[dim];
        if (max > 0) for (int i = 0; i < dim; i++) c[i] = (byte) Math.round(v[i] * 127f / max);
        return put(c, max);
    }

    /** Adds already-encoded codes and their scale (as an index file holds them). */
    int put(byte[] c, float scale) {
        checkLength(c.length, "codes");
        int id = size();
        if (id == codes.length) {
            codes = Arrays.copyOf(codes, id * 2);
            scales = Arrays.copyOf(scales, id * 2);
            norms = Arrays.copyOf(norms, id * 2);
        }
        codes[id] = c;
        scales[id] = scale;
        long cc = 0;
        for (byte b : c) cc += b * b;
        norms[id] = (float) (cc * ((double) scale / 127) * ((double) scale / 127));
        return appended();
    }

    byte[] codes(int id) { return codes[id]; }

    float scale(int id) { return scales[id]; }

    @Override
    public float[] vector(int id) {
        int dim = dim();
        float[] v = new float[dim];
        float f = scales[id] / 127f;
        byte[] c = codes[id];
        for (int i = 0; i < dim; i++) v[i] = c[i] * f;
        return v;
    }

    @Override
    public float score(float[] q, float qq, int id) {
        float ip = InnerProduct.dot(q, codes[id], 0) * (scales[id] / 127f);
        return metric() == Metric.L2 ? -(qq - 2 * ip + norms[id]) : ip;
    }
}
