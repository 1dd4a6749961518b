package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise operations: copies and fills of strided views, binary ops with NumPy broadcasting, scalar ops, the
 * in-place updates gradients accumulate with, and the unary maths functions. The backward of broadcasting (summing
 * over the broadcast dimensions) is {@link Reductions#sumToShape}.
 */
final class Elementwise {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    enum Op { ADD, SUB, MUL, DIV }

    private Elementwise() {}

    // ---- memory ----

    static Tensor copy(Tensor x) {
        Tensor out = Tensor.empty(x.shape());
        copyInto(out, x);
        return out;
    }

    static void copyInto(Tensor dst, Tensor src) {
        if (!dst.sameShape(src))
            throw new IllegalArgumentException("copyInto: shape " + Arrays.toString(src.shape()) + " into "
                    + Arrays.toString(dst.shape()));
        float[] d = dst.data(), s = src.data();
        StridedLoop loop = StridedLoop.plan(dst.shape(), new int[][] {dst.strides(), src.strides()},
                new int[] {dst.offset(), src.offset()});
        int ds = loop.innerStride(0), ss = loop.innerStride(1);
        loop.run((od, os, unused, len) -> {
            if (ds == 1 && ss == 1) System.arraycopy(s, os, d, od, len);
            else for (int i = 0; i < len; i++) d[od + i * ds] = s[os + i * ss];
        });
    }

    static void fill(Tensor x, float value) {
        float[] d = x.data();
        StridedLoop loop = StridedLoop.plan(x.shape(), new int[][] {x.strides()}, new int[] {x.offset()});
        int st = loop.innerStride(0);
        loop.run((o, u1, u2, len) -> {
            if (st == 1) Arrays.fill(d, o, o + len, value);
            else for (int i = 0; i < len; i++) d[o + i * st] = value;
        });
    }

    // ---- broadcasting binary ops ----

    /** NumPy broadcasting: align shapes at the right; each dimension pair must be equal or contain a 1. */
    static int[] broadcastShape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read {@code t} as if expanded to {@code shape} (0 along broadcast dimensions). */
    static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shape(), st = t.strides();
        int[] out = new int[shape.length];
        int lead = shape.length - ts.length;
        for (int i = 0; i < ts.length; i++) out[lead + i] = ts[i] == 1 && shape[lead + i] != 1 ? 0 : st[i];
        return out;
    }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        int[] shape = broadcastShape(a.shape(), b.shape());
        Tensor out = Tensor.empty(shape);
        float[] x = a.data(), y = b.data(), z = out.data();
        StridedLoop loop = StridedLoop.plan(shape,
                new int[][] {broadcastStrides(a, shape), broadcastStrides(b, shape), out.strides()},
                new int[] {a.offset(), b.offset(), 0});
        int sa = loop.innerStride(0), sb = loop.innerStride(1);
        boolean single = loop.inner() == 1;
        loop.run((oa, ob, oc, len) -> {
            if (single || (sa == 1 && sb == 1)) rowVV(op, x, oa, y, ob, z, oc, len);
            else if (sa == 1 && sb == 0) rowVS(op, x, oa, y[ob], z, oc, len);
            else if (sa == 0 && sb == 1) rowSV(op, x[oa], y, ob, z, oc, len);
            else for (int i = 0; i < len; i++) z[oc + i] = apply(op, x[oa + i * sa], y[ob + i * sb]);
        });
        return out;
    }

    private static float apply(Op op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    private static void rowVV(Op op, float[] x, int xo, float[] y, int yo, float[] z, int zo, int n) {
        int i = 0, bound = S.loopBound(n);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case SUB -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sub(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case MUL -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).mul(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case DIV -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).div(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
        }
        for (; i < n; i++) z[zo + i] = apply(op, x[xo + i], y[yo + i]);
    }

    private static void rowVS(Op op, float[] x, int xo, float s, float[] z, int zo, int n) {
        int i = 0, bound = S.loopBound(n);
        FloatVector v = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).add(v).intoArray(z, zo + i); }
            case SUB -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sub(v).intoArray(z, zo + i); }
            case MUL -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).mul(v).intoArray(z, zo + i); }
            case DIV -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).div(v).intoArray(z, zo + i); }
        }
        for (; i < n; i++) z[zo + i] = apply(op, x[xo + i], s);
    }

    private static void rowSV(Op op, float s, float[] y, int yo, float[] z, int zo, int n) {
        int i = 0, bound = S.loopBound(n);
        FloatVector v = FloatVector.broadcast(S, s);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) v.add(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case SUB -> { for (; i < bound; i += L) v.sub(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case MUL -> { for (; i < bound; i += L) v.mul(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
            case DIV -> { for (; i < bound; i += L) v.div(FloatVector.fromArray(S, y, yo + i)).intoArray(z, zo + i); }
        }
        for (; i < n; i++) z[zo + i] = apply(op, s, y[yo + i]);
    }

    // ---- scalar ops and in-place updates ----

    /** a * s + t. */
    static Tensor affine(Tensor a, float s, float t) {
        Tensor c = a.contiguous();
        Tensor out = Tensor.empty(a.shape());
        float[] x = c.data(), z = out.data();
        int xo = c.offset();
        FloatVector vs = FloatVector.broadcast(S, s), vt = FloatVector.broadcast(S, t);
        Chunks.elements(out.numel(), 1 << 15, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) FloatVector.fromArray(S, x, xo + i).fma(vs, vt).intoArray(z, i);
            for (; i < to; i++) z[i] = x[xo + i] * s + t;
        });
        return out;
    }

    /** dst += alpha * src. */
    static void axpy(Tensor dst, float alpha, Tensor src) {
        if (!dst.sameShape(src))
            throw new IllegalArgumentException("axpy: shape " + Arrays.toString(src.shape()) + " into "
                    + Arrays.toString(dst.shape()));
        float[] d = dst.data(), s = src.data();
        StridedLoop loop = StridedLoop.plan(dst.shape(), new int[][] {dst.strides(), src.strides()},
                new int[] {dst.offset(), src.offset()});
        int ds = loop.innerStride(0), ss = loop.innerStride(1);
        boolean unit = loop.inner() == 1 || (ds == 1 && ss == 1);
        FloatVector va = FloatVector.broadcast(S, alpha);
        loop.run((od, os, unused, len) -> {
            if (unit) {
                int i = 0, bound = S.loopBound(len);
                for (; i < bound; i += L)
                    FloatVector.fromArray(S, s, os + i).fma(va, FloatVector.fromArray(S, d, od + i)).intoArray(d, od + i);
                for (; i < len; i++) d[od + i] += alpha * s[os + i];
            } else {
                for (int i = 0; i < len; i++) d[od + i * ds] += alpha * s[os + i * ss];
            }
        });
    }

    /** x[..., :] += row for every row of a contiguous x [..., C], row [C]: a matrix product's bias, in place. */
    static void addRowsInPlace(Tensor x, Tensor row) {
        int c = x.rank() == 0 ? 1 : x.size(-1);
        if (!x.isContiguous() || row.rank() != 1 || row.size(0) != c)
            throw new IllegalArgumentException("addRowsInPlace: needs a contiguous [..., " + row.numel() + "] tensor"
                    + " and a [C] row, got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(row.shape()));
        Tensor rc = row.contiguous();
        float[] d = x.data(), b = rc.data();
        int xo = x.offset(), bo = rc.offset(), rows = c == 0 ? 0 : x.numel() / c;
        Chunks.range(rows, Math.max(1, (1 << 15) / Math.max(1, c)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = xo + r * c, j = 0;
                for (; j + L <= c; j += L)
                    FloatVector.fromArray(S, d, o + j).add(FloatVector.fromArray(S, b, bo + j)).intoArray(d, o + j);
                for (; j < c; j++) d[o + j] += b[bo + j];
            }
        });
    }

    /** x *= s. */
    static void scaleInPlace(Tensor x, float s) {
        float[] d = x.data();
        StridedLoop loop = StridedLoop.plan(x.shape(), new int[][] {x.strides()}, new int[] {x.offset()});
        int st = loop.innerStride(0);
        boolean unit = loop.inner() == 1 || st == 1;
        FloatVector vs = FloatVector.broadcast(S, s);
        loop.run((o, u1, u2, len) -> {
            if (unit) {
                int i = 0, bound = S.loopBound(len);
                for (; i < bound; i += L) FloatVector.fromArray(S, d, o + i).mul(vs).intoArray(d, o + i);
                for (; i < len; i++) d[o + i] *= s;
            } else {
                for (int i = 0; i < len; i++) d[o + i * st] *= s;
            }
        });
    }

    // ---- unary maths ----

    enum Fn { EXP, LOG, TANH, SIGMOID }

    static Tensor unary(Fn fn, Tensor a) {
        Tensor c = a.contiguous();
        Tensor out = Tensor.empty(a.shape());
        float[] x = c.data(), z = out.data();
        int xo = c.offset();
        Chunks.elements(out.numel(), 1 << 14, (from, to) -> {
            int i = from;
            switch (fn) {
                case EXP -> {
                    for (; i + L <= to; i += L) VectorExp.exp(FloatVector.fromArray(S, x, xo + i)).intoArray(z, i);
                    for (; i < to; i++) z[i] = VectorExp.exp(x[xo + i]);
                }
                // Scalar StrictMath: the Vector API's LOG and TANH round differently once C2 compiles them (see
                // VectorExp), and neither is on a training step's hot path.
                case LOG -> { for (; i < to; i++) z[i] = (float) StrictMath.log(x[xo + i]); }
                case TANH -> { for (; i < to; i++) z[i] = (float) StrictMath.tanh(x[xo + i]); }
                case SIGMOID -> {
                    for (; i + L <= to; i += L) sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(z, i);
                    for (; i < to; i++) z[i] = sigmoid(x[xo + i]);
                }
            }
        });
        return out;
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(VectorExp.exp(x.neg()).add(1f));
    }

    static float sigmoid(float x) { return 1f / (VectorExp.exp(-x) + 1f); }
}
