package cortado.tensor.cpu;

import cortado.tensor.OptimizerChecks;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One step of SGD with momentum as {@code torch.optim.SGD} (single-tensor path) computes it, element by element:
 * g = grad * gradScale; g = g + wd * p (L2 decay through the gradient); the momentum buffer b = g on the first step,
 * else b = b * momentum + (1 - dampening) * g; the direction is g + momentum * b with Nesterov (Sutskever et al. 2013),
 * else b; p = p - lr * direction. With momentum 0 there is no buffer and the direction is g. Reads the storages'
 * segments, so the parameter may live on either CPU backend.
 */
public final class SgdKernel {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int GRAIN = 1 << 14;

    private SgdKernel() {}

    /** @param buf the momentum buffer (same shape as param), or null when momentum is 0 */
    public static void step(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                            float weightDecay, boolean nesterov, boolean firstStep, float gradScale) {
        OptimizerChecks.sameContiguous("sgd", param, grad, buf);
        if (momentum != 0 && buf == null) throw new IllegalArgumentException("sgd: momentum " + momentum + " needs a buffer");
        MemorySegment p = param.storage().segment(), g = grad.storage().segment();
        MemorySegment b = buf == null ? null : buf.storage().segment();
        long po = param.offsetLong(), go = grad.offsetLong(), bo = buf == null ? 0 : buf.offsetLong();
        float keep = 1f - dampening;
        int n = param.numel();
        Parallel.forRange((n + GRAIN - 1) / GRAIN, (c0, c1) -> {
            for (long i = (long) c0 * GRAIN, end = Math.min(n, (long) c1 * GRAIN); i < end; i++) {
                float pi = p.getAtIndex(F32, po + i);
                float gi = g.getAtIndex(F32, go + i) * gradScale;
                if (weightDecay != 0) gi = gi + weightDecay * pi;
                if (b != null) {
                    float bi = firstStep ? gi : b.getAtIndex(F32, bo + i) * momentum + keep * gi;
                    b.setAtIndex(F32, bo + i, bi);
                    gi = nesterov ? gi + momentum * bi : bi;
                }
                p.setAtIndex(F32, po + i, pi - lr * gi);
            }
        });
    }
}
