package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One fused AdamW update on off-heap parameters and moments (Loshchilov and Hutter; torch.optim.AdamW), the heap
 * kernel's arithmetic: g = grad * gradScale; m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2;
 * p = p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). Flat long loops; pieces start at fixed
 * multiples, so the vector/tail split and the result do not depend on the thread count.
 */
final class SegmentAdamW {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentAdamW() {}

    static void step(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int step, float gradScale) {
        for (Tensor t : new Tensor[] {grad, m, v})
            if (!t.sameShape(param))
                throw new IllegalArgumentException("adamw: shape " + Arrays.toString(t.shape()) + " differs from param "
                        + Arrays.toString(param.shape()));
        for (Tensor t : new Tensor[] {param, grad, m, v})
            if (!t.isContiguous()) throw new IllegalArgumentException("adamw needs contiguous tensors");
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        MemorySegment p = seg(param), g = seg(grad), mm = seg(m), vv = seg(v);
        long po = param.offsetLong(), go = grad.offsetLong(), mo = m.offsetLong(), vo = v.offsetLong();
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float ob1 = 1f - beta1, ob2 = 1f - beta2;
        SegmentKernels.flat(param.numelLong(), (from, len) -> {
            FloatVector vb2 = FloatVector.broadcast(S, beta2), vgs = FloatVector.broadcast(S, gradScale);
            int i = 0;
            for (; i + L <= len; i += L) {
                long e = from + i;
                FloatVector gi = load(g, go + e).mul(vgs), m0 = load(mm, mo + e);
                FloatVector mi = gi.sub(m0).fma(FloatVector.broadcast(S, ob1), m0);
                FloatVector vi = load(vv, vo + e).mul(vb2).add(gi.mul(gi).mul(ob2));
                store(mi, mm, mo + e);
                store(vi, vv, vo + e);
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
                store(load(p, po + e).mul(decay).sub(mi.div(denom).mul(stepSize)), p, po + e);
            }
            for (; i < len; i++) {
                long e = from + i;
                float gi = get(g, go + e) * gradScale;
                float mi = get(mm, mo + e) + ob1 * (gi - get(mm, mo + e));
                float vi = get(vv, vo + e) * beta2 + gi * gi * ob2;
                put(mm, mo + e, mi);
                put(vv, vo + e, vi);
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                put(p, po + e, get(p, po + e) * decay - stepSize * (mi / denom));
            }
        });
    }
}
