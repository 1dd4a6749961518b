package cortado.tensor.offheap;

import cortado.tensor.Tensor;
import cortado.tensor.cpu.VectorExp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The off-heap backend's elementwise kernels: copies and fills of strided views, binary ops with NumPy broadcasting,
 * scalar ops, the in-place updates gradients accumulate with, and the unary maths functions, all on
 * {@link MemorySegment}s with long element indices ({@code FloatVector.fromMemorySegment}). They compute what the heap
 * backend's elementwise kernels compute, with the same formulas (e^x from {@link VectorExp}, log and tanh in scalar
 * StrictMath), so results agree bit for bit where the order of operations is the same.
 */
final class SegmentKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    enum Op { ADD, SUB, MUL, DIV }

    enum Fn { EXP, LOG, TANH, SIGMOID }

    private SegmentKernels() {}

    static MemorySegment seg(Tensor t) { return t.storage().segment(); }

    static FloatVector load(MemorySegment s, long element) { return FloatVector.fromMemorySegment(S, s, element * 4, NATIVE); }

    static void store(FloatVector v, MemorySegment s, long element) { v.intoMemorySegment(s, element * 4, NATIVE); }

    /** The lanes of {@code v} added in lane order (a fixed order, unlike {@code reduceLanes(ADD)}). */
    static float laneSum(FloatVector v) {
        float s = 0;
        for (int l = 0; l < L; l++) s += v.lane(l);
        return s;
    }

    static float get(MemorySegment s, long element) { return s.getAtIndex(F32, element); }

    static void put(MemorySegment s, long element, float v) { s.setAtIndex(F32, element, v); }

    // ---- memory ----

    static void copyInto(Tensor dst, Tensor src) {
        if (!dst.sameShape(src))
            throw new IllegalArgumentException("copyInto: shape " + Arrays.toString(src.shape()) + " into "
                    + Arrays.toString(dst.shape()));
        MemorySegment d = seg(dst), s = seg(src);
        SegmentLoop loop = SegmentLoop.plan(dst.shape(), new long[][] {dst.stridesLong(), src.stridesLong()},
                new long[] {dst.offsetLong(), src.offsetLong()});
        long ds = loop.innerStride(0), ss = loop.innerStride(1);
        boolean unit = loop.inner() == 1 || (ds == 1 && ss == 1);
        loop.run((od, os, unused, len) -> {
            if (unit) MemorySegment.copy(s, os * 4, d, od * 4, (long) len * 4);
            else for (int i = 0; i < len; i++) put(d, od + i * ds, get(s, os + i * ss));
        });
    }

    static void fill(Tensor x, float value) {
        MemorySegment d = seg(x);
        SegmentLoop loop = SegmentLoop.plan(x.shape(), new long[][] {x.stridesLong()}, new long[] {x.offsetLong()});
        long st = loop.innerStride(0);
        boolean unit = loop.inner() == 1 || st == 1;
        FloatVector v = FloatVector.broadcast(S, value);
        loop.run((o, u1, u2, len) -> {
            if (unit) {
                int i = 0, bound = S.loopBound(len);
                for (; i < bound; i += L) store(v, d, o + i);
                for (; i < len; i++) put(d, o + i, value);
            } else {
                for (int i = 0; i < len; i++) put(d, o + i * st, value);
            }
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
    static long[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shape();
        long[] st = t.stridesLong(), out = new long[shape.length];
        int lead = shape.length - ts.length;
        for (int i = 0; i < ts.length; i++) out[lead + i] = ts[i] == 1 && shape[lead + i] != 1 ? 0 : st[i];
        return out;
    }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        int[] shape = broadcastShape(a.shape(), b.shape());
        Tensor out = OffHeapBackend.empty(shape);
        MemorySegment x = seg(a), y = seg(b), z = seg(out);
        SegmentLoop loop = SegmentLoop.plan(shape,
                new long[][] {broadcastStrides(a, shape), broadcastStrides(b, shape), out.stridesLong()},
                new long[] {a.offsetLong(), b.offsetLong(), 0});
        long sa = loop.innerStride(0), sb = loop.innerStride(1);
        boolean single = loop.inner() == 1;
        loop.run((oa, ob, oc, len) -> {
            if (single || (sa == 1 && sb == 1)) rowVV(op, x, oa, y, ob, z, oc, len);
            else if (sa == 1 && sb == 0) rowVS(op, x, oa, get(y, ob), z, oc, len);
            else if (sa == 0 && sb == 1) rowSV(op, get(x, oa), y, ob, z, oc, len);
            else for (int i = 0; i < len; i++) put(z, oc + i, apply(op, get(x, oa + i * sa), get(y, ob + i * sb)));
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

    private static FloatVector apply(Op op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
        };
    }

    private static void rowVV(Op op, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) store(apply(op, load(x, xo + i), load(y, yo + i)), z, zo + i);
        for (; i < n; i++) put(z, zo + i, apply(op, get(x, xo + i), get(y, yo + i)));
    }

    private static void rowVS(Op op, MemorySegment x, long xo, float s, MemorySegment z, long zo, int n) {
        int i = 0, bound = S.loopBound(n);
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i < bound; i += L) store(apply(op, load(x, xo + i), v), z, zo + i);
        for (; i < n; i++) put(z, zo + i, apply(op, get(x, xo + i), s));
    }

    private static void rowSV(Op op, float s, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        int i = 0, bound = S.loopBound(n);
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i < bound; i += L) store(apply(op, v, load(y, yo + i)), z, zo + i);
        for (; i < n; i++) put(z, zo + i, apply(op, s, get(y, yo + i)));
    }

    // ---- scalar ops and in-place updates ----

    /** a * s + t. */
    static Tensor affine(Tensor a, float s, float t) {
        Tensor c = a.contiguous();
        Tensor out = OffHeapBackend.empty(a.shape());
        MemorySegment x = seg(c), z = seg(out);
        long xo = c.offsetLong();
        FloatVector vs = FloatVector.broadcast(S, s), vt = FloatVector.broadcast(S, t);
        flat(out.numelLong(), (from, len) -> {
            int i = 0, bound = S.loopBound(len);
            for (; i < bound; i += L) store(load(x, xo + from + i).fma(vs, vt), z, from + i);
            for (; i < len; i++) put(z, from + i, get(x, xo + from + i) * s + t);
        });
        return out;
    }

    /** dst += alpha * src. */
    static void axpy(Tensor dst, float alpha, Tensor src) {
        if (!dst.sameShape(src))
            throw new IllegalArgumentException("axpy: shape " + Arrays.toString(src.shape()) + " into "
                    + Arrays.toString(dst.shape()));
        MemorySegment d = seg(dst), s = seg(src);
        SegmentLoop loop = SegmentLoop.plan(dst.shape(), new long[][] {dst.stridesLong(), src.stridesLong()},
                new long[] {dst.offsetLong(), src.offsetLong()});
        long ds = loop.innerStride(0), ss = loop.innerStride(1);
        boolean unit = loop.inner() == 1 || (ds == 1 && ss == 1);
        FloatVector va = FloatVector.broadcast(S, alpha);
        loop.run((od, os, unused, len) -> {
            if (unit) {
                int i = 0, bound = S.loopBound(len);
                for (; i < bound; i += L) store(load(s, os + i).fma(va, load(d, od + i)), d, od + i);
                for (; i < len; i++) put(d, od + i, get(d, od + i) + alpha * get(s, os + i));
            } else {
                for (int i = 0; i < len; i++) put(d, od + i * ds, get(d, od + i * ds) + alpha * get(s, os + i * ss));
            }
        });
    }

    /** x *= s. */
    static void scaleInPlace(Tensor x, float s) {
        MemorySegment d = seg(x);
        SegmentLoop loop = SegmentLoop.plan(x.shape(), new long[][] {x.stridesLong()}, new long[] {x.offsetLong()});
        long st = loop.innerStride(0);
        boolean unit = loop.inner() == 1 || st == 1;
        FloatVector vs = FloatVector.broadcast(S, s);
        loop.run((o, u1, u2, len) -> {
            if (unit) {
                int i = 0, bound = S.loopBound(len);
                for (; i < bound; i += L) store(load(d, o + i).mul(vs), d, o + i);
                for (; i < len; i++) put(d, o + i, get(d, o + i) * s);
            } else {
                for (int i = 0; i < len; i++) put(d, o + i * st, get(d, o + i * st) * s);
            }
        });
    }

    /** x[..., :] += row for every row of a contiguous x [..., C], row [C]: a matrix product's bias, in place. */
    static void addRowsInPlace(Tensor x, Tensor row) {
        int c = x.rank() == 0 ? 1 : x.size(-1);
        if (!x.isContiguous() || row.rank() != 1 || row.size(0) != c)
            throw new IllegalArgumentException("addRowsInPlace: needs a contiguous [..., " + row.numelLong() + "] tensor"
                    + " and a [C] row, got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(row.shape()));
        Tensor rc = row.contiguous();
        MemorySegment d = seg(x), b = seg(rc);
        long xo = x.offsetLong(), bo = rc.offsetLong(), rows = c == 0 ? 0 : x.numelLong() / c;
        rows(rows, c, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                long ro = xo + r * c;
                int j = 0;
                for (; j + L <= c; j += L) store(load(d, ro + j).add(load(b, bo + j)), d, ro + j);
                for (; j < c; j++) put(d, ro + j, get(d, ro + j) + get(b, bo + j));
            }
        });
    }

    // ---- unary maths ----

    static Tensor unary(Fn fn, Tensor a) {
        Tensor c = a.contiguous();
        Tensor out = OffHeapBackend.empty(a.shape());
        MemorySegment x = seg(c), z = seg(out);
        long xo = c.offsetLong();
        flat(out.numelLong(), (from, len) -> {
            int i = 0;
            switch (fn) {
                case EXP -> {
                    for (; i + L <= len; i += L) store(VectorExp.exp(load(x, xo + from + i)), z, from + i);
                    for (; i < len; i++) put(z, from + i, VectorExp.exp(get(x, xo + from + i)));
                }
                // Scalar StrictMath, as the heap backend: the Vector API's LOG and TANH round by JIT tier.
                case LOG -> { for (; i < len; i++) put(z, from + i, (float) StrictMath.log(get(x, xo + from + i))); }
                case TANH -> { for (; i < len; i++) put(z, from + i, (float) StrictMath.tanh(get(x, xo + from + i))); }
                case SIGMOID -> {
                    FloatVector one = FloatVector.broadcast(S, 1f);
                    for (; i + L <= len; i += L)
                        store(one.div(VectorExp.exp(load(x, xo + from + i).neg()).add(1f)), z, from + i);
                    for (; i < len; i++) put(z, from + i, 1f / (VectorExp.exp(-get(x, xo + from + i)) + 1f));
                }
            }
        });
        return out;
    }

    /** A flat loop over {@code n} elements in pieces that start at multiples of {@link SegmentLoop#PIECE}. */
    @FunctionalInterface
    interface Piece { void run(long from, int len); }

    /** Rows {@code [from, to)} of a row loop. */
    @FunctionalInterface
    interface Rows { void run(long from, long to); }

    /** Independent rows of {@code rowLength} elements, in groups of about {@link SegmentLoop#PIECE} elements. */
    static void rows(long rows, int rowLength, Rows body) {
        if (rows <= 0) return;
        long per = Math.max(1, SegmentLoop.PIECE / Math.max(1, rowLength));
        long groups = (rows + per - 1) / per;
        int chunks = (int) Math.min(groups, (long) cortado.tensor.Parallel.threads() * 4);
        cortado.tensor.Parallel.forEach(chunks, c -> {
            long g0 = groups * c / chunks, g1 = groups * (c + 1) / chunks;
            body.run(g0 * per, Math.min(rows, g1 * per));
        });
    }

    static void flat(long n, Piece body) {
        long pieces = (n + SegmentLoop.PIECE - 1) / SegmentLoop.PIECE;
        int chunks = (int) Math.min(pieces, (long) cortado.tensor.Parallel.threads() * 4);
        if (pieces == 0) return;
        cortado.tensor.Parallel.forEach(chunks, c -> {
            for (long p = pieces * c / chunks, end = pieces * (c + 1) / chunks; p < end; p++) {
                long from = p * SegmentLoop.PIECE;
                body.run(from, (int) Math.min(SegmentLoop.PIECE, n - from));
            }
        });
    }
}
