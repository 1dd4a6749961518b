package cortado.tensor.cpu;

import cortado.tensor.OptimizerChecks;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The per-element half of a LAMB step (You et al. 2020, "Large Batch Optimization for Deep Learning"), as
 * {@code timm.optim.Lamb} computes it: g = grad * gradScale; m = m * b1 + beta3 * g (beta3 = 1 - b1 with grad
 * averaging, else 1); v = v * b2 + (1 - b2) g^2; update = (m / bc1) / (sqrt(v) / sqrt(bc2) + eps) + wd * p. The layer's
 * trust ratio ||p|| / ||update|| needs the whole update first, so the caller measures both norms and applies
 * p -= lr * trust * update with the backend's reductions and axpy.
 *
 * @see #update
 */
public final class LambKernel {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int GRAIN = 1 << 14;

    private LambKernel() {}

    /**
     * Updates m and v in place and writes the update direction into {@code update}.
     *
     * @param biasCorrection1 1 - b1^t (1 without bias correction)
     * @param biasCorrection2 1 - b2^t (1 without bias correction)
     */
    public static void update(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor update, float beta1, float beta3,
                              float beta2, float eps, float weightDecay, double biasCorrection1, double biasCorrection2,
                              float gradScale) {
        OptimizerChecks.sameContiguous("lamb", param, grad, m, v, update);
        MemorySegment p = param.storage().segment(), g = grad.storage().segment(), mm = m.storage().segment(),
                vv = v.storage().segment(), u = update.storage().segment();
        long po = param.offsetLong(), go = grad.offsetLong(), mo = m.offsetLong(), vo = v.offsetLong(),
                uo = update.offsetLong();
        float ob2 = 1f - beta2;
        float bc1 = (float) biasCorrection1, bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        int n = param.numel();
        Parallel.forRange((n + GRAIN - 1) / GRAIN, (c0, c1) -> {
            for (long i = (long) c0 * GRAIN, end = Math.min(n, (long) c1 * GRAIN); i < end; i++) {
                float gi = g.getAtIndex(F32, go + i) * gradScale;
                float mi = mm.getAtIndex(F32, mo + i) * beta1 + beta3 * gi;
                float vi = vv.getAtIndex(F32, vo + i) * beta2 + ob2 * (gi * gi);
                mm.setAtIndex(F32, mo + i, mi);
                vv.setAtIndex(F32, vo + i, vi);
                float ui = (mi / bc1) / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
                if (weightDecay != 0) ui = ui + weightDecay * p.getAtIndex(F32, po + i);
                u.setAtIndex(F32, uo + i, ui);
            }
        });
    }
}
