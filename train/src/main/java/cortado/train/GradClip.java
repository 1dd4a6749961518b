package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.Collection;

/**
 * Gradient clipping by global norm (Pascanu et al., 2013), as {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over
 * all gradients together; when it exceeds {@code maxNorm}, every gradient is scaled by
 * {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradClip {
    private GradClip() {}

    /** The global gradient norm and the factor that clips it to maxNorm (1 when no clipping is due). */
    public record Norm(float norm, float scale) {}

    /**
     * Measures without touching the gradients: the scale goes to {@link AdamW#step(float, float)}, which applies it
     * in its own pass (the same numbers as clipping in place first, one pass over the gradients fewer).
     */
    public static Norm measure(Collection<Parameter> params, float maxNorm) {
        return fromSumOfSquares(sumOfSquares(params), maxNorm);
    }

    /** The sum of the squares of every gradient of {@code params} (parameters without one are skipped). */
    public static double sumOfSquares(Collection<Parameter> params) {
        double sumSq = 0;
        for (Parameter p : params) {
            Tensor g = p.value().grad();
            if (g != null) sumSq += g.backend().sumOfSquares(g);
        }
        return sumSq;
    }

    /**
     * The norm and clip from the sum of squares of all gradients: how sharded gradients (ZeRO) are clipped by the
     * global norm, each rank's sum over its shard added up over the ranks first.
     */
    public static Norm fromSumOfSquares(double sumSq, float maxNorm) {
        double norm = Math.sqrt(sumSq);
        float scale = maxNorm > 0 && norm > maxNorm ? (float) (maxNorm / (norm + 1e-6)) : 1f;
        return new Norm((float) norm, scale);
    }

    /**
     * Clips in place and returns the norm measured before clipping (what training logs as grad_norm).
     * {@code maxNorm <= 0} turns clipping off and only measures. Parameters without a gradient are skipped.
     */
    public static float clipGlobalNorm(Collection<Parameter> params, float maxNorm) {
        Norm n = measure(params, maxNorm);
        if (n.scale() != 1f)
            for (Parameter p : params) {
                Tensor g = p.value().grad();
                if (g != null) g.backend().scaleInPlace(g, n.scale());
            }
        return n.norm();
    }
}
