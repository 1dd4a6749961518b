package cortado.tensor.cpu;

import cortado.tensor.Backend.CrossEntropyResult;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax cross-entropy fused over the vocabulary: forward keeps only each row's log-sum-exp (never the [N, V]
 * probabilities), computed in one pass over memory; backward writes dlogits = (exp(logit - lse) - onehot) * gradScale / counted in a single pass.
 * Rows whose target is the ignore index count for nothing and get zero gradient. Loss with no counted row is NaN,
 * as in PyTorch's mean reduction.
 */
final class CrossEntropyKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private CrossEntropyKernel() {}

    static CrossEntropyResult forward(Tensor logits, int[] targets, int ignoreIndex) {
        int n = logits.size(0), v = Backend.checkCrossEntropy(logits, targets, ignoreIndex);
        Tensor c = logits.stride(1) == 1 || v == 1 ? logits : logits.contiguous();
        float[] x = c.data();
        int xo = c.offset(), rs = n > 1 ? c.stride(0) : v;
        Tensor lse = Tensor.zeros(n);
        float[] l = lse.data();
        double[] rowLoss = new double[n];
        Chunks.range(n, Math.max(1, 16384 / Math.max(1, v)), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (targets[r] == ignoreIndex) continue;
                int xr = xo + r * rs;
                float lr = logSumExp(x, xr, v);
                l[r] = lr;
                rowLoss[r] = (double) lr - x[xr + targets[r]];
            }
        });
        int counted = 0;
        double total = 0;
        for (int r = 0; r < n; r++)
            if (targets[r] != ignoreIndex) {
                counted++;
                total += rowLoss[r];
            }
        float loss = counted == 0 ? Float.NaN : (float) (total / counted);
        return new CrossEntropyResult(loss, counted, lse);
    }

    /** Elements per block of the one-pass log-sum-exp: 8 KB, so the exp pass re-reads the block from L1. */
    private static final int BLOCK = 2048;

    /**
     * log(sum(exp(x))) of one row in a single pass over memory: per block, the max, then exp(x - running max) summed
     * while the block is still in L1; the running sum is rescaled when a block raises the max.
     */
    static float logSumExp(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        double sum = 0;
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0), start = off + b0;
            float blockMax = Reductions.rowMax(x, start, len);
            if (blockMax > max) {
                sum *= StrictMath.exp(max - blockMax);
                max = blockMax;
            }
            FloatVector vmax = FloatVector.broadcast(S, max);
            FloatVector acc = FloatVector.zero(S);
            int i = 0, bound = S.loopBound(len);
            for (; i < bound; i += L) acc = acc.add(VectorExp.exp(FloatVector.fromArray(S, x, start + i).sub(vmax)));
            double part = Lanes.sum(acc);
            for (; i < len; i++) part += VectorExp.exp(x[start + i] - max);
            sum += part;
        }
        return (float) (max + StrictMath.log(sum));
    }

    /** dlogits into a new [N, V] tensor (ignored rows zero; counted rows fully overwritten, so nothing is pre-zeroed). */
    static Tensor backward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted) {
        Tensor out = Tensor.empty(logits.size(0), logits.size(1));
        gradient(logits, out, targets, lse, ignoreIndex, gradScale, counted);
        return out;
    }

    /**
     * dlogits written over the logits themselves (the LM head's chunk buffer, read for the last time): the [N, V]
     * gradient needs no buffer of its own. Each element is read before it is written, in the same pass.
     */
    static void backwardInPlace(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale,
                                int counted) {
        if (logits.rank() == 2 && logits.stride(1) != 1 && logits.size(1) > 1)
            throw new IllegalArgumentException("crossEntropyBackwardInPlace needs rows with unit stride, got strides "
                    + Arrays.toString(logits.strides()));
        gradient(logits, logits, targets, lse, ignoreIndex, gradScale, counted);
    }

    /** out[r] = (exp(logits[r] - lse[r]) - onehot(target[r])) * gradScale / counted; zero for ignored rows. */
    private static void gradient(Tensor logits, Tensor out, int[] targets, Tensor lse, int ignoreIndex,
                                 float gradScale, int counted) {
        int n = logits.size(0), v = Backend.checkCrossEntropy(logits, targets, ignoreIndex);
        Tensor c = logits.stride(1) == 1 || v == 1 ? logits : logits.contiguous();
        Tensor lc = lse.contiguous();
        if (lc.numel() != n) throw new IllegalArgumentException("crossEntropyBackward: lse must be [" + n + "]");
        float[] x = c.data(), l = lc.data(), z = out.data();
        int xo = c.offset(), rs = n > 1 ? c.stride(0) : v, lo = lc.offset();
        int zo = out.offset(), zs = n > 1 ? out.stride(0) : v;
        float k = counted == 0 ? 0f : gradScale / counted;
        Chunks.range(n, Math.max(1, 16384 / Math.max(1, v)), (from, to) -> {
            FloatVector vk = FloatVector.broadcast(S, k);
            for (int r = from; r < to; r++) {
                int xr = xo + r * rs, zr = zo + r * zs;
                if (targets[r] == ignoreIndex) {
                    Arrays.fill(z, zr, zr + v, 0f);
                    continue;
                }
                FloatVector vl = FloatVector.broadcast(S, l[lo + r]);
                int i = 0, bound = S.loopBound(v);
                for (; i < bound; i += L)
                    VectorExp.exp(FloatVector.fromArray(S, x, xr + i).sub(vl)).mul(vk).intoArray(z, zr + i);
                for (; i < v; i++) z[zr + i] = VectorExp.exp(x[xr + i] - l[lo + r]) * k;
                z[zr + targets[r]] -= k;
            }
        });
    }

}
