package cortado.train.rl;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * torch's clamp, minimum and maximum with torch's gradients, built from constant 0/1 masks (autograd has no
 * comparison ops): clamp passes the gradient where lo <= x <= hi (bounds inclusive), minimum and maximum send it to
 * the chosen side and split it in halves on a tie (torch's derivatives.yaml). Ties are the rule, not the exception,
 * here: on-policy the ratio is exactly 1 and its clipped copy equals it.
 */
final class Piecewise {
    private Piecewise() {}

    /** torch.clamp(x, lo, hi), elementwise bounds. */
    static Tensor clamp(Tensor x, float[] lo, float[] hi) {
        float[] v = x.toArray(), inside = new float[v.length], outside = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < lo[i]) outside[i] = lo[i];
            else if (v[i] > hi[i]) outside[i] = hi[i];
            else inside[i] = 1f;
        }
        return F.add(F.mul(x, constant(x, inside)), constant(x, outside));
    }

    /** torch.clamp(x, lo, hi) with scalar bounds. */
    static Tensor clamp(Tensor x, float lo, float hi) {
        int n = x.numel();
        float[] l = new float[n], h = new float[n];
        java.util.Arrays.fill(l, lo);
        java.util.Arrays.fill(h, hi);
        return clamp(x, l, h);
    }

    /** torch.minimum(a, b). */
    static Tensor minimum(Tensor a, Tensor b) { return pick(a, b, true); }

    /** torch.maximum(a, b). */
    static Tensor maximum(Tensor a, Tensor b) { return pick(a, b, false); }

    private static Tensor pick(Tensor a, Tensor b, boolean min) {
        float[] x = a.toArray(), y = b.toArray(), wa = new float[x.length], wb = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            boolean takeA = min ? x[i] < y[i] : x[i] > y[i];
            wa[i] = x[i] == y[i] ? 0.5f : takeA ? 1f : 0f;
            wb[i] = 1f - wa[i];
        }
        return F.add(F.mul(a, constant(a, wa)), F.mul(b, constant(b, wb)));
    }

    static Tensor constant(Tensor like, float[] values) { return like.backend().fromArray(values, like.shape()); }
}
