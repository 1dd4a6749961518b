package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Backend;
import cortado.tensor.AttentionMask;
import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.VectorExp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled-dot-product attention on off-heap q [B, H, T, D], k and v [B, Hkv, S, D] (grouped-query: query head h reads
 * kv head h / (H / Hkv)), with the keys each query sees given by an {@link AttentionMask}: query i of row b sits at key
 * index p = offset_b + i and sees key j when j <= p (causal), j > p - W (sliding window W) and key j of row b is real
 * (key padding). A plain row at a time, not tiled like the heap kernel: the scores of one query (at most S floats) are
 * computed, then out = softmax(scores) V and lse = max + log(sum exp(score - max)); a query that sees no key gets output
 * 0, lse -inf and no gradient.
 *
 * <p>Backward recomputes P = exp(score - lse); with Delta_i = dO_i . O_i: dV_j += P_ij dO_i,
 * dS_ij = P_ij (dO_i . V_j - Delta_i) scale, dQ_i += dS_ij K_j, dK_j += dS_ij Q_i. A task owns one (batch, kv head)
 * pair and walks its query heads and queries in order, so every gradient element has one writer summing in a fixed
 * order and the bits do not depend on the thread count.
 */
final class SegmentAttention {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentAttention() {}

    /** Which keys query i of row b sees: the range [first, end) narrowed by the key-padding mask. */
    private record Visibility(AttentionMask mask, int queries, int keys) {
        int position(int b, int i) { return mask.queryOffset(b, queries, keys) + i; }

        int first(int b, int i) {
            int f = mask.slidingWindow() > 0 ? Math.max(0, position(b, i) - mask.slidingWindow() + 1) : 0;
            return mask.sequenceStarts() == null ? f : Math.max(f, mask.sequenceStart(b, Math.min(keys - 1, position(b, i))));
        }

        int end(int b, int i) { return mask.causal() ? Math.min(keys, position(b, i) + 1) : keys; }

        boolean real(int b, int j) { return mask.keyValid() == null || mask.keyValid()[b][j]; }
    }


    static AttentionResult forward(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        Backend.checkAttentionShapes(q, k, v);
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2), group = h / hkv;
        mask.check(b, t, s);
        Visibility vis = new Visibility(mask, t, s);
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        MemorySegment qs = seg(qc), ks = seg(kc), vs = seg(vc);
        long qo = qc.offsetLong(), ko = kc.offsetLong(), vo = vc.offsetLong();
        Tensor out = OffHeapBackend.empty(b, h, t, d), lse = OffHeapBackend.empty(b, h, t);
        MemorySegment os = seg(out), ls = seg(lse);
        SegmentKernels.rows((long) b * h * t, Math.max(1, s * d), (from, to) -> {
            float[] score = new float[s], acc = new float[d];
            for (long row = from; row < to; row++) {
                int i = (int) (row % t), head = (int) (row / t % h), bi = (int) (row / ((long) t * h));
                long qr = qo + row * d, kvBase = ((long) bi * hkv + head / group) * s * d, orow = row * d;
                int j0 = vis.first(bi, i), j1 = vis.end(bi, i);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = j0; j < j1; j++) {
                    score[j] = vis.real(bi, j) ? dot(qs, qr, ks, ko + kvBase + (long) j * d, d) * scale
                            : Float.NEGATIVE_INFINITY;
                    max = Math.max(max, score[j]);
                }
                Arrays.fill(acc, 0f);
                if (max == Float.NEGATIVE_INFINITY) { // sees no key
                    for (int x = 0; x < d; x++) put(os, orow + x, 0f);
                    put(ls, row, Float.NEGATIVE_INFINITY);
                    continue;
                }
                double sum = 0;
                for (int j = j0; j < j1; j++) {
                    if (score[j] == Float.NEGATIVE_INFINITY) continue;
                    float p = VectorExp.exp(score[j] - max);
                    sum += p;
                    axpy(acc, p, vs, vo + kvBase + (long) j * d, d);
                }
                float inv = (float) (1.0 / sum);
                for (int x = 0; x < d; x++) put(os, orow + x, acc[x] * inv);
                put(ls, row, (float) (max + StrictMath.log(sum)));
            }
        });
        return new AttentionResult(out, lse);
    }

    static AttentionGrads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                   AttentionMask mask, float scale) {
        Backend.checkAttentionShapes(q, k, v);
        if (!dout.sameShape(q) || !out.sameShape(q))
            throw new IllegalArgumentException("attention backward: dout " + Arrays.toString(dout.shape()) + " and out "
                    + Arrays.toString(out.shape()) + " must match q " + Arrays.toString(q.shape()));
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2), group = h / hkv;
        mask.check(b, t, s);
        Visibility vis = new Visibility(mask, t, s);
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous(), gc = dout.contiguous(),
                oc = out.contiguous(), lc = lse.contiguous();
        MemorySegment qs = seg(qc), ks = seg(kc), vs = seg(vc), gs = seg(gc), ous = seg(oc), ls = seg(lc);
        long qo = qc.offsetLong(), ko = kc.offsetLong(), vo = vc.offsetLong(), go = gc.offsetLong(),
                oo = oc.offsetLong(), lo = lc.offsetLong();
        Tensor dq = OffHeapBackend.zeroed(q.shape()), dk = OffHeapBackend.zeroed(k.shape()),
                dv = OffHeapBackend.zeroed(v.shape());
        MemorySegment dqs = seg(dq), dks = seg(dk), dvs = seg(dv);
        Parallel.forEach(b * hkv, task -> {
            int bi = task / hkv, kvh = task % hkv;
            long kvBase = (long) task * s * d;
            for (int head = kvh * group; head < (kvh + 1) * group; head++) {
                for (int i = 0; i < t; i++) {
                    long row = ((long) bi * h + head) * t + i, qr = row * d;
                    float l = get(ls, lo + row);
                    if (l == Float.NEGATIVE_INFINITY) continue;
                    float delta = dot(gs, go + qr, ous, oo + qr, d);
                    for (int j = vis.first(bi, i), j1 = vis.end(bi, i); j < j1; j++) {
                        if (!vis.real(bi, j)) continue;
                        long kr = kvBase + (long) j * d;
                        float p = VectorExp.exp(dot(qs, qo + qr, ks, ko + kr, d) * scale - l);
                        axpy(dvs, kr, p, gs, go + qr, d);
                        float ds = p * (dot(gs, go + qr, vs, vo + kr, d) - delta) * scale;
                        axpy(dqs, qr, ds, ks, ko + kr, d);
                        axpy(dks, kr, ds, qs, qo + qr, d);
                    }
                }
            }
        });
        return new AttentionGrads(dq, dk, dv);
    }

    /** x[xo ..] . y[yo ..] over n elements: float lanes, then the lanes in order, then the tail. */
    private static float dot(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) acc = load(x, xo + i).fma(load(y, yo + i), acc);
        float r = SegmentKernels.laneSum(acc);
        for (; i < n; i++) r += get(x, xo + i) * get(y, yo + i);
        return r;
    }

    /** acc[..n) += a * y[yo ..]. */
    private static void axpy(float[] acc, float a, MemorySegment y, long yo, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) load(y, yo + i).fma(va, FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        for (; i < n; i++) acc[i] += a * get(y, yo + i);
    }

    /** z[zo ..] += a * y[yo ..] over n elements. */
    private static void axpy(MemorySegment z, long zo, float a, MemorySegment y, long yo, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) store(load(y, yo + i).fma(va, load(z, zo + i)), z, zo + i);
        for (; i < n; i++) put(z, zo + i, get(z, zo + i) + a * get(y, yo + i));
    }
}
