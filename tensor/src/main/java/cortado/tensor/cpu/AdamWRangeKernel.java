package cortado.tensor.cpu;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fused AdamW update of {@link AdamWKernel} for elements [from, from+n) of a parameter whose moments lie in
 * memory segments rather than tensors (the page frames of a paged optimizer). Same arithmetic as the heap kernel's
 * vector path, element by element: g = grad * gradScale; m = fma(g - m, 1 - b1, m); v = v b2 + (g g)(1 - b2);
 * p = p (1 - lr wd) - (m / (sqrt(v) / sqrt(1 - b2^t) + eps)) * lr / (1 - b1^t). The parameter and gradient may live
 * on either CPU backend (their storage's segment is read directly).
 */
public final class AdamWRangeKernel {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int GRAIN = 1 << 14;

    private AdamWRangeKernel() {}

    /** m's element i at byte {@code mAt + 4i} of {@code m}, v's at {@code vAt + 4i} of {@code v}. */
    public static void step(Tensor param, Tensor grad, long from, int n, MemorySegment m, long mAt, MemorySegment v,
                            long vAt, float lr, float beta1, float beta2, float eps, float weightDecay, int step,
                            float gradScale) {
        if (!param.isContiguous() || !grad.isContiguous())
            throw new IllegalArgumentException("adamw needs contiguous parameter and gradient");
        if (from < 0 || from + n > param.numelLong() || grad.numelLong() != param.numelLong())
            throw new IllegalArgumentException("adamw: range [" + from + ", " + (from + n) + ") outside "
                    + param.numelLong() + " elements (gradient " + grad.numelLong() + ")");
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        MemorySegment p = param.storage().segment(), g = grad.storage().segment();
        long po = param.offsetLong() + from, go = grad.offsetLong() + from;
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float ob1 = 1f - beta1, ob2 = 1f - beta2;
        int pieces = (n + GRAIN - 1) / GRAIN;
        Parallel.forRange(pieces, (c0, c1) -> {
            for (long i = (long) c0 * GRAIN, end = Math.min(n, (long) c1 * GRAIN); i < end; i++) {
                float gi = g.getAtIndex(F32, go + i) * gradScale;
                float m0 = m.get(F32, mAt + 4 * i);
                float mi = Math.fma(gi - m0, ob1, m0);
                float vi = v.get(F32, vAt + 4 * i) * beta2 + (gi * gi) * ob2;
                m.set(F32, mAt + 4 * i, mi);
                v.set(F32, vAt + 4 * i, vi);
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p.setAtIndex(F32, po + i, p.getAtIndex(F32, po + i) * decay - (mi / denom) * stepSize);
            }
        });
    }
}
