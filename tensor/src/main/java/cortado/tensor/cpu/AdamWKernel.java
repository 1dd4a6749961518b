package cortado.tensor.cpu;

import cortado.tensor.OptimizerChecks;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One AdamW step (Loshchilov & Hutter 2019) fused into a single pass over param, grad and both moments, in the order
 * torch.optim.AdamW computes it: p *= 1 - lr*wd; m = lerp(m, g, 1-b1); v = b2 v + (1-b2) g^2;
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). The gradient is read as g * gradScale, so a global
 * norm clip costs no pass of its own over the gradients.
 */
final class AdamWKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private AdamWKernel() {}

    static void step(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int step, float gradScale) {
        for (Tensor t : new Tensor[] {grad, m, v})
            if (!t.sameShape(param))
                throw new IllegalArgumentException("adamw: shape " + Arrays.toString(t.shape()) + " differs from param "
                        + Arrays.toString(param.shape()));
        for (Tensor t : new Tensor[] {param, grad, m, v})
            if (!t.isContiguous()) throw new IllegalArgumentException("adamw needs contiguous tensors");
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        float[] p = param.data(), g = grad.data(), mm = m.data(), vv = v.data();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float ob1 = 1f - beta1, ob2 = 1f - beta2;
        Chunks.elements(param.numel(), 1 << 15, (from, to) -> {
            FloatVector vb2 = FloatVector.broadcast(S, beta2), vgs = FloatVector.broadcast(S, gradScale);
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector gi = FloatVector.fromArray(S, g, go + i).mul(vgs);
                FloatVector m0 = FloatVector.fromArray(S, mm, mo + i);
                FloatVector mi = gi.sub(m0).fma(FloatVector.broadcast(S, ob1), m0);
                FloatVector vi = FloatVector.fromArray(S, vv, vo + i).mul(vb2).add(gi.mul(gi).mul(ob2));
                mi.intoArray(mm, mo + i);
                vi.intoArray(vv, vo + i);
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
                FloatVector pi = FloatVector.fromArray(S, p, po + i).mul(decay);
                pi.sub(mi.div(denom).mul(stepSize)).intoArray(p, po + i);
            }
            for (; i < to; i++) {
                float gi = g[go + i] * gradScale;
                float mi = mm[mo + i] + ob1 * (gi - mm[mo + i]);
                float vi = vv[vo + i] * beta2 + gi * gi * ob2;
                mm[mo + i] = mi;
                vv[vo + i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[po + i] = p[po + i] * decay - stepSize * (mi / denom);
            }
        });
    }
}
