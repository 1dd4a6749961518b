package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Tensor;
import cortado.tensor.cpu.GeluErfKernel;
import cortado.tensor.cpu.VectorExp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU (tanh approximation, GPT-2's "gelu_new") and SiLU with their backwards on off-heap memory, flat long loops.
 * The formulas are the heap backend's ({@code cortado.tensor.cpu.Activations}) operation for operation, e^x from
 * {@link VectorExp}, so both backends give the same bits:
 * gelu(v) = v * sigmoid(2u) with u = sqrt(2/pi) (v + 0.044715 v^3); its slope s + 2 v s (1 - s) u' with s = sigmoid(2u);
 * silu(v) = v * sigmoid(v) and its slope s (1 + v (1 - s)); exact GELU (erf, in double); and the fused bias + GELU of
 * a projection.
 */
final class SegmentActivations {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();
    private static final float K0 = (float) Math.sqrt(2.0 / Math.PI);
    private static final float K1 = 0.044715f;

    private SegmentActivations() {}

    enum Kind { GELU, SILU }

    static Tensor forward(Kind kind, Tensor x) {
        Tensor c = x.contiguous();
        Tensor out = OffHeapBackend.empty(x.shape());
        MemorySegment a = seg(c), y = seg(out);
        long ao = c.offsetLong();
        SegmentKernels.flat(out.numelLong(), (from, len) -> {
            int i = 0;
            if (kind == Kind.GELU) {
                for (; i + L <= len; i += L) store(gelu(load(a, ao + from + i)), y, from + i);
                for (; i < len; i++) put(y, from + i, gelu(get(a, ao + from + i)));
            } else {
                for (; i + L <= len; i += L) {
                    FloatVector v = load(a, ao + from + i);
                    store(v.mul(sigmoid(v)), y, from + i);
                }
                for (; i < len; i++) {
                    float v = get(a, ao + from + i);
                    put(y, from + i, v * sigmoid(v));
                }
            }
        });
        return out;
    }

    static Tensor backward(Kind kind, Tensor dy, Tensor x) {
        if (!dy.sameShape(x))
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(dy.shape()) + " differs from input "
                    + Arrays.toString(x.shape()));
        Tensor g = dy.contiguous(), c = x.contiguous();
        Tensor out = OffHeapBackend.empty(x.shape());
        MemorySegment d = seg(g), a = seg(c), z = seg(out);
        long go = g.offsetLong(), ao = c.offsetLong();
        SegmentKernels.flat(out.numelLong(), (from, len) -> {
            int i = 0;
            if (kind == Kind.GELU) {
                for (; i + L <= len; i += L)
                    store(geluSlope(load(a, ao + from + i)).mul(load(d, go + from + i)), z, from + i);
                for (; i < len; i++) put(z, from + i, get(d, go + from + i) * geluSlope(get(a, ao + from + i)));
            } else {
                for (; i + L <= len; i += L) {
                    FloatVector v = load(a, ao + from + i), s = sigmoid(v);
                    store(s.mul(v.mul(s.neg().add(1f)).add(1f)).mul(load(d, go + from + i)), z, from + i);
                }
                for (; i < len; i++) {
                    float v = get(a, ao + from + i), s = sigmoid(v);
                    put(z, from + i, s * (v * (1f - s) + 1f) * get(d, go + from + i));
                }
            }
        });
        return out;
    }

    // ---- exact GELU (BERT's "gelu"): x Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2, in double as the heap kernel ----

    private static final double SQRT1_2 = Math.sqrt(0.5), INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    static Tensor geluErf(Tensor x) {
        Tensor c = x.contiguous();
        Tensor out = OffHeapBackend.empty(x.shape());
        MemorySegment a = seg(c), y = seg(out);
        long ao = c.offsetLong();
        SegmentKernels.flat(out.numelLong(), (from, len) -> {
            for (int i = 0; i < len; i++) {
                double v = get(a, ao + from + i);
                put(y, from + i, (float) (v * 0.5 * GeluErfKernel.erfc(-v * SQRT1_2)));
            }
        });
        return out;
    }

    /** dx = dy (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi). */
    static Tensor geluErfBackward(Tensor dy, Tensor x) {
        if (!dy.sameShape(x))
            throw new IllegalArgumentException("gelu backward: dy " + Arrays.toString(dy.shape()) + " and x "
                    + Arrays.toString(x.shape()) + " differ");
        Tensor g = dy.contiguous(), c = x.contiguous();
        Tensor out = OffHeapBackend.empty(x.shape());
        MemorySegment d = seg(g), a = seg(c), z = seg(out);
        long go = g.offsetLong(), ao = c.offsetLong();
        SegmentKernels.flat(out.numelLong(), (from, len) -> {
            for (int i = 0; i < len; i++) {
                double v = get(a, ao + from + i);
                double local = 0.5 * GeluErfKernel.erfc(-v * SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                put(z, from + i, (float) (get(d, go + from + i) * local));
            }
        });
        return out;
    }

    // ---- fused bias + GELU (GPT-2's MLP: gelu(x W + b)); z + bias is never stored ----

    /** gelu(z + bias) for z [..., C] and bias [C] (null: plain GELU). */
    static Tensor biasGelu(Tensor z, Tensor bias) {
        int c = checkBias(z, bias, null);
        Tensor zc = z.contiguous();
        Tensor out = OffHeapBackend.empty(z.shape());
        MemorySegment a = seg(zc), y = seg(out);
        long ao = zc.offsetLong(), rows = c == 0 ? 0 : zc.numelLong() / c;
        float[] b = biasRow(bias, c);
        SegmentKernels.rows(rows, c, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                long src = ao + r * c, dst = r * c;
                int j = 0;
                for (; j + L <= c; j += L) store(gelu(load(a, src + j).add(FloatVector.fromArray(S, b, j))), y, dst + j);
                for (; j < c; j++) put(y, dst + j, gelu(get(a, src + j) + b[j]));
            }
        });
        return out;
    }

    /** dz = dy * gelu'(z + bias) and dbias = the sum of dz over rows, in fixed blocks of rows added in order. */
    static cortado.tensor.Backend.BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias) {
        int c = checkBias(z, bias, dy);
        Tensor gc = dy.contiguous(), zc = z.contiguous();
        Tensor dz = OffHeapBackend.empty(z.shape());
        MemorySegment g = seg(gc), a = seg(zc), d = seg(dz);
        long go = gc.offsetLong(), ao = zc.offsetLong(), rows = c == 0 ? 0 : zc.numelLong() / c;
        float[] b = biasRow(bias, c);
        long block = Math.max(32, (rows + 65535) / 65536);
        int blocks = (int) ((rows + block - 1) / block);
        float[][] partial = bias == null ? null : new float[blocks][];
        cortado.tensor.Parallel.forEach(blocks, blk -> {
            float[] acc = bias == null ? null : new float[c];
            for (long r = blk * block, end = Math.min(rows, r + block); r < end; r++) {
                long zr = ao + r * c, gr = go + r * c, dr = r * c;
                int j = 0;
                for (; j + L <= c; j += L) {
                    FloatVector dv = geluSlope(load(a, zr + j).add(FloatVector.fromArray(S, b, j))).mul(load(g, gr + j));
                    store(dv, d, dr + j);
                    if (acc != null) dv.add(FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
                }
                for (; j < c; j++) {
                    float dv = get(g, gr + j) * geluSlope(get(a, zr + j) + b[j]);
                    put(d, dr + j, dv);
                    if (acc != null) acc[j] += dv;
                }
            }
            if (partial != null) partial[blk] = acc;
        });
        if (bias == null) return new cortado.tensor.Backend.BiasGeluGrads(dz, null);
        float[] sum = new float[c];
        for (float[] p : partial) for (int j = 0; j < c; j++) sum[j] += p[j];
        Tensor db = OffHeapBackend.empty(c);
        MemorySegment.copy(sum, 0, seg(db), SegmentKernels.F32, 0, c);
        return new cortado.tensor.Backend.BiasGeluGrads(dz, db);
    }

    /** The bias as C host floats (zeros when absent): one small row re-read by every row. */
    private static float[] biasRow(Tensor bias, int c) {
        float[] b = new float[c];
        if (bias != null) {
            Tensor bc = bias.contiguous();
            MemorySegment.copy(seg(bc), SegmentKernels.F32, bc.offsetLong() * 4, b, 0, c);
        }
        return b;
    }

    private static int checkBias(Tensor z, Tensor bias, Tensor dy) {
        if (z.rank() < 1) throw new IllegalArgumentException("bias + GELU needs a tensor of rank >= 1, got a scalar");
        int c = z.size(-1);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != c))
            throw new IllegalArgumentException("bias + GELU: bias " + Arrays.toString(bias.shape())
                    + " does not match the last dimension of " + Arrays.toString(z.shape()));
        if (dy != null && !dy.sameShape(z))
            throw new IllegalArgumentException("bias + GELU backward: gradient " + Arrays.toString(dy.shape())
                    + " does not match " + Arrays.toString(z.shape()));
        return c;
    }

    // ---- the formulas, lane for lane as the heap backend's ----

    static FloatVector gelu(FloatVector v) {
        FloatVector minus2u = v.mul(v).mul(v).fma(FloatVector.broadcast(S, K1), v).mul(-2f * K0);
        return v.div(VectorExp.exp(minus2u).add(1f));
    }

    static float gelu(float v) {
        float minus2u = Math.fma(v * v * v, K1, v) * (-2f * K0);
        return v / (VectorExp.exp(minus2u) + 1f);
    }

    static FloatVector geluSlope(FloatVector v) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector v2 = v.mul(v);
        FloatVector minus2u = v2.mul(v).fma(FloatVector.broadcast(S, K1), v).mul(-2f * K0);
        FloatVector sg = one.div(VectorExp.exp(minus2u).add(1f));
        FloatVector du = v2.fma(3f * K1, 1f).mul(2f * K0);
        return v.mul(sg).mul(one.sub(sg)).fma(du, sg);
    }

    static float geluSlope(float v) {
        float v2 = v * v;
        float minus2u = Math.fma(v2 * v, K1, v) * (-2f * K0);
        float sg = 1f / (VectorExp.exp(minus2u) + 1f);
        float du = Math.fma(v2, 3f * K1, 1f) * (2f * K0);
        return Math.fma(v * sg * (1f - sg), du, sg);
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(VectorExp.exp(x.neg()).add(1f));
    }

    static float sigmoid(float x) { return 1f / (VectorExp.exp(-x) + 1f); }
}
