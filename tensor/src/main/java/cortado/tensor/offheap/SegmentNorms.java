package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm and RMSNorm over the last dimension, forward and backward, on off-heap memory with long row offsets
 * (LayerNorm: Ba et al. 2016, torch.nn.functional.layer_norm; RMSNorm: Zhang and Sennrich 2019, transformers'
 * LlamaRMSNorm, the same backward with mean 0 and no mean(dn) term). LayerNorm's forward: per row, the mean, the
 * two-pass biased variance sum((x - mean)^2) / C (exact enough where E[x^2] - mean^2 would cancel),
 * rstd = 1/sqrt(var + eps), then y = (x - mean) * rstd * weight + bias. Backward, with n = (x - mean) rstd and
 * dn = dy * weight: dx = (dn - mean(dn) - n mean(dn n)) rstd, dweight = sum over rows of dy n, dbias = sum of dy.
 * Rows are independent; the weight gradients are summed per block of rows fixed by the row count and the blocks added
 * in order, so any split over threads gives the same bits.
 */
final class SegmentNorms {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentNorms() {}

    static NormResult forward(Tensor x, Tensor weight, Tensor bias, float eps) {
        int c = x.rank() == 0 ? 1 : x.size(-1);
        checkParam(weight, c, "weight");
        if (bias != null) checkParam(bias, c, "bias");
        Tensor xc = x.contiguous(), wc = weight.contiguous(), bc = bias == null ? null : bias.contiguous();
        long rows = c == 0 ? 0 : xc.numelLong() / c;
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor out = OffHeapBackend.empty(x.shape()), mean = OffHeapBackend.empty(statShape),
                rstd = OffHeapBackend.empty(statShape);
        MemorySegment a = seg(xc), w = seg(wc), b = bc == null ? null : seg(bc), y = seg(out), mu = seg(mean),
                rs = seg(rstd);
        long ao = xc.offsetLong(), wo = wc.offsetLong(), bo = bc == null ? 0 : bc.offsetLong();
        int bound = S.loopBound(c);
        SegmentKernels.rows(rows, c, (from, to) -> {
            for (long r = from; r < to; r++) {
                long xr = ao + r * c, yr = r * c;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) acc = acc.add(load(a, xr + i));
                float sum = SegmentKernels.laneSum(acc);
                for (; i < c; i++) sum += get(a, xr + i);
                float m = sum / c;
                FloatVector vm = FloatVector.broadcast(S, m), acc2 = FloatVector.zero(S);
                for (i = 0; i < bound; i += L) {
                    FloatVector d = load(a, xr + i).sub(vm);
                    acc2 = d.fma(d, acc2);
                }
                float var = SegmentKernels.laneSum(acc2);
                for (; i < c; i++) var += (get(a, xr + i) - m) * (get(a, xr + i) - m);
                var /= c;
                float s = (float) (1.0 / Math.sqrt(var + eps));
                put(mu, r, m);
                put(rs, r, s);
                FloatVector vs = FloatVector.broadcast(S, s);
                for (i = 0; i < bound; i += L) {
                    FloatVector n = load(a, xr + i).sub(vm).mul(vs);
                    store(b == null ? n.mul(load(w, wo + i)) : n.fma(load(w, wo + i), load(b, bo + i)), y, yr + i);
                }
                for (; i < c; i++)
                    put(y, yr + i, (get(a, xr + i) - m) * s * get(w, wo + i) + (b == null ? 0f : get(b, bo + i)));
            }
        });
        return new NormResult(out, mean, rstd);
    }

    static NormGrads backward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        return backward(dy, x, weight, mean, rstd, false);
    }

    /** LayerNorm's backward, or RMSNorm's when {@code rms} (mean null: n = x rstd, no mean(dn) term, no dbias). */
    static NormGrads backward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd, boolean rms) {
        if (!dy.sameShape(x))
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(dy.shape()) + " differs from input "
                    + Arrays.toString(x.shape()));
        int c = x.rank() == 0 ? 1 : x.size(-1);
        checkParam(weight, c, "weight");
        long rows = c == 0 ? 0 : x.numelLong() / c;
        Tensor gc = dy.contiguous(), xc = x.contiguous(), wc = weight.contiguous(), rc = rstd.contiguous();
        Tensor mc = rms ? null : mean.contiguous();
        if (rc.numelLong() != rows || (mc != null && mc.numelLong() != rows))
            throw new IllegalArgumentException((rms ? "rmsNorm" : "layerNorm") + "Backward: the statistics must have one"
                    + " value per row (" + rows + ")");
        Tensor dx = OffHeapBackend.empty(x.shape());
        MemorySegment g = seg(gc), a = seg(xc), w = seg(wc), rs = seg(rc), mu = mc == null ? null : seg(mc), z = seg(dx);
        long go = gc.offsetLong(), ao = xc.offsetLong(), wo = wc.offsetLong(), ro = rc.offsetLong(),
                mo = mc == null ? 0 : mc.offsetLong();
        long block = Math.max(32, (rows + 1023) / 1024);
        int blocks = (int) ((rows + block - 1) / block);
        float[][] pdw = new float[blocks][c], pdb = rms ? null : new float[blocks][c];
        int bound = S.loopBound(c);
        cortado.tensor.Parallel.forEach(blocks, k -> {
            float[] dwk = pdw[k], dbk = rms ? null : pdb[k];
            for (long r = k * block, end = Math.min(rows, r + block); r < end; r++) {
                long gr = go + r * c, xr = ao + r * c, zr = r * c;
                float m = rms ? 0f : get(mu, mo + r), s = get(rs, ro + r);
                FloatVector vm = FloatVector.broadcast(S, m), vs = FloatVector.broadcast(S, s);
                FloatVector accD = FloatVector.zero(S), accDN = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector vg = load(g, gr + i), n = load(a, xr + i).sub(vm).mul(vs), dn = vg.mul(load(w, wo + i));
                    accD = accD.add(dn);
                    accDN = dn.fma(n, accDN);
                    vg.fma(n, FloatVector.fromArray(S, dwk, i)).intoArray(dwk, i);
                    if (!rms) vg.add(FloatVector.fromArray(S, dbk, i)).intoArray(dbk, i);
                }
                float sumD = SegmentKernels.laneSum(accD), sumDN = SegmentKernels.laneSum(accDN);
                for (; i < c; i++) {
                    float n = (get(a, xr + i) - m) * s, dn = get(g, gr + i) * get(w, wo + i);
                    sumD += dn;
                    sumDN += dn * n;
                    dwk[i] += get(g, gr + i) * n;
                    if (!rms) dbk[i] += get(g, gr + i);
                }
                float meanD = rms ? 0f : sumD / c, meanDN = sumDN / c;
                FloatVector vmd = FloatVector.broadcast(S, meanD), vmdn = FloatVector.broadcast(S, meanDN);
                for (i = 0; i < bound; i += L) {
                    FloatVector n = load(a, xr + i).sub(vm).mul(vs), dn = load(g, gr + i).mul(load(w, wo + i));
                    store(dn.sub(vmd).sub(n.mul(vmdn)).mul(vs), z, zr + i);
                }
                for (; i < c; i++) {
                    float n = (get(a, xr + i) - m) * s, dn = get(g, gr + i) * get(w, wo + i);
                    put(z, zr + i, (dn - meanD - n * meanDN) * s);
                }
            }
        });
        return new NormGrads(dx, sumBlocks(pdw, c), rms ? null : sumBlocks(pdb, c));
    }

    /** RMSNorm's forward (transformers' LlamaRMSNorm): rstd = 1/sqrt(mean(x^2) + eps), y = x rstd weight. */
    static NormResult rmsForward(Tensor x, Tensor weight, float eps) {
        int c = x.rank() == 0 ? 1 : x.size(-1);
        checkParam(weight, c, "weight");
        Tensor xc = x.contiguous(), wc = weight.contiguous();
        long rows = c == 0 ? 0 : xc.numelLong() / c;
        Tensor out = OffHeapBackend.empty(x.shape()), rstd = OffHeapBackend.empty(Arrays.copyOf(x.shape(), x.rank() - 1));
        MemorySegment a = seg(xc), w = seg(wc), y = seg(out), rs = seg(rstd);
        long ao = xc.offsetLong(), wo = wc.offsetLong();
        int bound = S.loopBound(c);
        SegmentKernels.rows(rows, c, (from, to) -> {
            for (long r = from; r < to; r++) {
                long xr = ao + r * c, yr = r * c;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector v = load(a, xr + i);
                    acc = v.fma(v, acc);
                }
                float ss = SegmentKernels.laneSum(acc);
                for (; i < c; i++) ss += get(a, xr + i) * get(a, xr + i);
                float s = (float) (1.0 / Math.sqrt(ss / c + eps));
                put(rs, r, s);
                for (i = 0; i < bound; i += L) store(load(a, xr + i).mul(s).mul(load(w, wo + i)), y, yr + i);
                for (; i < c; i++) put(y, yr + i, get(a, xr + i) * s * get(w, wo + i));
            }
        });
        return new NormResult(out, null, rstd);
    }

    /** The per-block partial sums added in block order into a new off-heap [C] tensor. */
    private static Tensor sumBlocks(float[][] partial, int c) {
        float[] sum = new float[c];
        for (float[] p : partial) for (int i = 0; i < c; i++) sum[i] += p[i];
        Tensor t = OffHeapBackend.empty(c);
        MemorySegment.copy(sum, 0, seg(t), SegmentKernels.F32, 0, c);
        return t;
    }

    private static void checkParam(Tensor p, int c, String what) {
        if (p.rank() != 1 || p.size(0) != c)
            throw new IllegalArgumentException("norm " + what + " must be [" + c + "], got "
                    + Arrays.toString(p.shape()));
    }
}
