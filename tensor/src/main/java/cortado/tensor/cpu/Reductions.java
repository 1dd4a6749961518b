package cortado.tensor.cpu;

import cortado.tensor.ReducedShape;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums and maxima along one dimension, whole-tensor sums in double, and {@link #sumToShape}, the backward of
 * broadcasting. A tensor reduced along dimension d is viewed as [outer, n, inner]: with inner == 1 each output is a
 * SIMD row reduction; otherwise whole rows of length inner are accumulated, which vectorizes the same way.
 */
final class Reductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements summed in float lanes before the partial moves to the double accumulator. */
    private static final int BLOCK = 1024;

    private Reductions() {}

    static Tensor sum(Tensor a, int dim, boolean keepDim) { return reduce(a, dim, keepDim, false); }

    static Tensor max(Tensor a, int dim, boolean keepDim) { return reduce(a, dim, keepDim, true); }

    private static Tensor reduce(Tensor a, int dim, boolean keepDim, boolean isMax) {
        int d = a.axis(dim);
        int[] shape = a.shape();
        int n = shape[d];
        if (isMax && n == 0) throw new IllegalArgumentException("max over an empty dimension of " + Arrays.toString(shape));
        ReducedShape r = ReducedShape.of(shape, d, keepDim);
        int outer = Math.toIntExact(r.outer()), inner = Math.toIntExact(r.inner());
        int[] outShape = r.out();
        Tensor out = Tensor.zeros(outShape);
        Tensor c = a.contiguous();
        float[] x = c.data(), z = out.data();
        int xo = c.offset();
        final int in = inner;
        if (inner == 1) {
            Chunks.range(outer, Math.max(1, 8192 / Math.max(1, n)), (from, to) -> {
                for (int o = from; o < to; o++) z[o] = isMax ? rowMax(x, xo + o * n, n) : rowSum(x, xo + o * n, n);
            });
        } else {
            // Items are (outer index, column range), so a single outer row ([N, C] -> [C], the bias gradient) still
            // splits across threads; each item accumulates whole rows of its column range, SIMD across columns.
            int width = Math.max(L, Math.min(in, (8192 / Math.max(1, n)) / L * L));
            int pieces = (in + width - 1) / width;
            Chunks.range(outer * pieces, Math.max(1, 16384 / Math.max(1, n * width)), (from, to) -> {
                for (int item = from; item < to; item++) {
                    int o = item / pieces, c0 = (item % pieces) * width, c1 = Math.min(in, c0 + width);
                    int zo = o * in + c0, w = c1 - c0;
                    int base = xo + o * n * in + c0;
                    if (isMax) System.arraycopy(x, base, z, zo, w);
                    int bound = S.loopBound(w);
                    for (int j = isMax ? 1 : 0; j < n; j++) {
                        int xr = base + j * in;
                        int i = 0;
                        if (isMax) {
                            for (; i < bound; i += L)
                                FloatVector.fromArray(S, z, zo + i).max(FloatVector.fromArray(S, x, xr + i)).intoArray(z, zo + i);
                        } else {
                            for (; i < bound; i += L)
                                FloatVector.fromArray(S, z, zo + i).add(FloatVector.fromArray(S, x, xr + i)).intoArray(z, zo + i);
                        }
                        for (; i < w; i++) z[zo + i] = isMax ? Math.max(z[zo + i], x[xr + i]) : z[zo + i] + x[xr + i];
                    }
                }
            });
        }
        return out;
    }

    /** Sum of x[off .. off+n); four accumulators so the adds do not wait on each other. */
    static float rowSum(float[] x, int off, int n) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int i = 0, bound = S.loopBound(n);
        for (; i + 4 * L <= bound; i += 4 * L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
            a1 = a1.add(FloatVector.fromArray(S, x, off + i + L));
            a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
            a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) a0 = a0.add(FloatVector.fromArray(S, x, off + i));
        float s = Lanes.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) s += x[off + i];
        return s;
    }

    static float rowMax(float[] x, int off, int n) {
        FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), a1 = a0;
        int i = 0, bound = S.loopBound(n);
        for (; i + 2 * L <= bound; i += 2 * L) {
            a0 = a0.max(FloatVector.fromArray(S, x, off + i));
            a1 = a1.max(FloatVector.fromArray(S, x, off + i + L));
        }
        for (; i < bound; i += L) a0 = a0.max(FloatVector.fromArray(S, x, off + i));
        float m = a0.max(a1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /** Sum of all elements, accumulated in float lanes over short blocks and in double across blocks. */
    static double sumAll(Tensor a) { return wholeSum(a, false); }

    /** Sum of squares of all elements, as {@link #sumAll}. */
    static double sumOfSquares(Tensor a) { return wholeSum(a, true); }

    private static double wholeSum(Tensor a, boolean squares) {
        Tensor c = a.contiguous();
        float[] x = c.data();
        int xo = c.offset();
        int n = c.numel();
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        Chunks.range(blocks, 32, (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = xo + b * BLOCK, len = Math.min(BLOCK, n - b * BLOCK);
                FloatVector acc = FloatVector.zero(S);
                int i = 0, bound = S.loopBound(len);
                if (squares) {
                    for (; i < bound; i += L) {
                        FloatVector v = FloatVector.fromArray(S, x, start + i);
                        acc = v.fma(v, acc);
                    }
                } else {
                    for (; i < bound; i += L) acc = acc.add(FloatVector.fromArray(S, x, start + i));
                }
                double s = Lanes.sum(acc);
                for (; i < len; i++) s += squares ? (double) x[start + i] * x[start + i] : x[start + i];
                partial[b] = s;
            }
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    /**
     * Sums {@code a} down to {@code shape}, which must broadcast to a's shape: leading dimensions that {@code shape}
     * lacks and dimensions where it has 1 are summed. Output columns are split across threads, so no two threads
     * write the same element.
     */
    static Tensor sumToShape(Tensor a, int[] shape) {
        int[] as = a.shape();
        if (!Arrays.equals(Elementwise.broadcastShape(shape, as), as))
            throw new IllegalArgumentException("sumToShape: " + Arrays.toString(shape) + " does not broadcast to "
                    + Arrays.toString(as));
        Tensor out = Tensor.zeros(shape);
        if (Arrays.equals(shape, as)) {
            Elementwise.copyInto(out, a);
            return out;
        }
        float[] x = a.data(), z = out.data();
        StridedLoop loop = StridedLoop.plan(as, new int[][] {a.strides(), Elementwise.broadcastStrides(out, as)},
                new int[] {a.offset(), 0});
        int rank = loop.shape.length;
        int inner = loop.inner();
        int sx = loop.innerStride(0), sz = loop.innerStride(1);
        long rows = loop.rows();
        // Column ranges of the inner dimension go to different threads when the output has that dimension;
        // otherwise (inner summed into one value per row) the rows are walked on one thread.
        int grain = (int) Math.max(L, 32768 / Math.max(1, rows));
        Chunks.range(sz == 0 ? 1 : inner, sz == 0 ? inner : grain, (c0, c1) -> {
            int width = sz == 0 ? inner : c1 - c0;
            int from = sz == 0 ? 0 : c0;
            for (long r = 0; r < rows; r++) {
                int ox = loop.offsets[0], oz = 0;
                long rem = r;
                for (int d = rank - 2; d >= 0; d--) {
                    int idx = (int) (rem % loop.shape[d]);
                    rem /= loop.shape[d];
                    ox += idx * loop.strides[0][d];
                    oz += idx * loop.strides[1][d];
                }
                ox += from * sx;
                oz += from * sz;
                if (sz == 0) {
                    float s = 0;
                    if (sx == 1) s = rowSum(x, ox, width);
                    else for (int i = 0; i < width; i++) s += x[ox + i * sx];
                    z[oz] += s;
                } else if (sx == 1 && sz == 1) {
                    int i = 0, bound = S.loopBound(width);
                    for (; i < bound; i += L)
                        FloatVector.fromArray(S, z, oz + i).add(FloatVector.fromArray(S, x, ox + i)).intoArray(z, oz + i);
                    for (; i < width; i++) z[oz + i] += x[ox + i];
                } else {
                    for (int i = 0; i < width; i++) z[oz + i * sz] += x[ox + i * sx];
                }
            }
        });
        return out;
    }
}
