package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Backend.NormResult;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm's forward over the last dimension on off-heap memory (Ba et al. 2016; torch.nn.functional.layer_norm):
 * per row, the mean, the two-pass biased variance sum((x - mean)^2) / C (exact enough where E[x^2] - mean^2 would
 * cancel), rstd = 1/sqrt(var + eps), then y = (x - mean) * rstd * weight + bias. Rows are independent, so any split
 * over threads gives the same bits. Its backward is staged through the heap kernel ({@link HeapStaged}).
 */
final class SegmentLayerNorm {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentLayerNorm() {}

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

    private static void checkParam(Tensor p, int c, String what) {
        if (p.rank() != 1 || p.size(0) != c)
            throw new IllegalArgumentException("layerNorm: " + what + " must be [" + c + "], got "
                    + Arrays.toString(p.shape()));
    }
}
