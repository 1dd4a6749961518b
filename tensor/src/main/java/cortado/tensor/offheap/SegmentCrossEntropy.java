package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Backend.CrossEntropyResult;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.VectorExp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused softmax cross-entropy over logits [N, V] on off-heap memory, with long row offsets so N x V may exceed 2^31
 * (a 128k vocabulary at 16k tokens): per counted row, loss = lse - x[target] with lse = log(sum(exp(x))) in one pass
 * over blocks (the running sum rescaled when a block raises the max), the mean over counted rows in double;
 * backward writes (softmax - onehot) * gradScale / counted, 0 for ignored rows (torch.nn.functional.cross_entropy with
 * ignore_index).
 */
final class SegmentCrossEntropy {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();
    /** Elements per block of the one-pass log-sum-exp: 8 KB, re-read from L1 by the exp pass. */
    private static final int BLOCK = 2048;

    private SegmentCrossEntropy() {}

    static CrossEntropyResult forward(Tensor logits, int[] targets, int ignoreIndex) {
        int n = logits.size(0), v = Backend.checkCrossEntropy(logits, targets, ignoreIndex);
        Tensor c = logits.strideLong(1) == 1 || v == 1 ? logits : logits.contiguous();
        MemorySegment x = seg(c);
        long xo = c.offsetLong(), rs = n > 1 ? c.strideLong(0) : v;
        Tensor lse = OffHeapBackend.zeroed(n);
        MemorySegment l = seg(lse);
        double[] rowLoss = new double[n];
        SegmentKernels.rows(n, v, (from, to) -> {
            for (long r = from; r < to; r++) {
                int t = targets[(int) r];
                if (t == ignoreIndex) continue;
                long xr = xo + r * rs;
                float lr = logSumExp(x, xr, v);
                put(l, r, lr);
                rowLoss[(int) r] = (double) lr - get(x, xr + t);
            }
        });
        int counted = 0;
        double total = 0;
        for (int r = 0; r < n; r++)
            if (targets[r] != ignoreIndex) {
                counted++;
                total += rowLoss[r];
            }
        return new CrossEntropyResult(counted == 0 ? Float.NaN : (float) (total / counted), counted, lse);
    }

    static float logSumExp(MemorySegment x, long off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        double sum = 0;
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            long start = off + b0;
            float blockMax = SegmentSoftmax.rowMax(x, start, len);
            if (blockMax > max) {
                sum *= StrictMath.exp(max - blockMax);
                max = blockMax;
            }
            FloatVector vmax = FloatVector.broadcast(S, max), acc = FloatVector.zero(S);
            int i = 0, bound = S.loopBound(len);
            for (; i < bound; i += L) acc = acc.add(VectorExp.exp(load(x, start + i).sub(vmax)));
            double part = 0;
            for (int k = 0; k < L; k++) part += acc.lane(k);
            for (; i < len; i++) part += VectorExp.exp(get(x, start + i) - max);
            sum += part;
        }
        return (float) (max + StrictMath.log(sum));
    }

    static Tensor backward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted) {
        int n = logits.size(0), v = Backend.checkCrossEntropy(logits, targets, ignoreIndex);
        Tensor c = logits.strideLong(1) == 1 || v == 1 ? logits : logits.contiguous();
        Tensor lc = lse.contiguous();
        if (lc.numelLong() != n) throw new IllegalArgumentException("crossEntropyBackward: lse must be [" + n + "]");
        MemorySegment x = seg(c), l = seg(lc);
        long xo = c.offsetLong(), rs = n > 1 ? c.strideLong(0) : v, lo = lc.offsetLong();
        Tensor out = OffHeapBackend.empty(n, v);
        MemorySegment z = seg(out);
        float k = counted == 0 ? 0f : gradScale / counted;
        FloatVector vk = FloatVector.broadcast(S, k), zero = FloatVector.zero(S);
        int bound = S.loopBound(v);
        SegmentKernels.rows(n, v, (from, to) -> {
            for (long r = from; r < to; r++) {
                long xr = xo + r * rs, zr = r * v;
                int t = targets[(int) r], i = 0;
                if (t == ignoreIndex) {
                    for (; i < bound; i += L) store(zero, z, zr + i);
                    for (; i < v; i++) put(z, zr + i, 0f);
                    continue;
                }
                float lr = get(l, lo + r);
                FloatVector vl = FloatVector.broadcast(S, lr);
                for (; i < bound; i += L) store(VectorExp.exp(load(x, xr + i).sub(vl)).mul(vk), z, zr + i);
                for (; i < v; i++) put(z, zr + i, VectorExp.exp(get(x, xr + i) - lr) * k);
                put(z, zr + t, get(z, zr + t) - k);
            }
        });
        return out;
    }

}
