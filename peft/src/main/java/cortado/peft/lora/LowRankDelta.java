package cortado.peft.lora;

import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import cortado.tensor.linalg.Svd;
import java.util.Arrays;

/**
 * A weight delta {@code ΔW [out, in]} cut to rank r as LoRA factors, the last step of peft's
 * {@code _svd_generalized_task_arithmetic_weighted_adapter} (after kohya-ss' svd_merge_lora): {@code ΔW = U S Vh},
 * {@code B = U[:, :r] · diag(S[:r])}, {@code A = Vh[:r, :]}, so {@code B A} is the best rank-r approximation
 * (Eckart–Young). The SVD runs in double ({@link Svd}); the factors are rounded to float32 once.
 *
 * <p>With a clamp q, both factors are clipped to {@code ±hi}, hi being {@code torch.quantile} (linear interpolation)
 * of all their entries together at q. Those entries are signed and each singular pair's sign is arbitrary, so a
 * clamped result depends on the SVD's sign choices, in peft as here; without a clamp B A does not.
 */
final class LowRankDelta {
    private LowRankDelta() {}

    /** {A [r, in], B [out, r]} from {@code delta} [out, in]; {@code clamp} in [0, 1] or null. */
    static Tensor[] truncate(Tensor delta, int r, Double clamp) {
        int m = delta.size(0), n = delta.size(1);
        if (r > Math.min(m, n))
            throw new PeftException("svd_rank " + r + " exceeds the rank a [" + m + ", " + n + "] delta can have");
        if (clamp != null && !(clamp >= 0 && clamp <= 1))
            throw new PeftException("svd_clamp must be a quantile in [0, 1], got " + clamp);
        float[] d = delta.contiguous().toArray();
        double[] a = new double[d.length];
        for (int i = 0; i < d.length; i++) a[i] = d[i];
        Svd svd = Svd.of(a, m, n);
        int k = svd.k();
        float[] b = new float[m * r], va = new float[r * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < r; j++) b[i * r + j] = (float) (svd.u()[i * k + j] * svd.s()[j]);
        for (int j = 0; j < r; j++)
            for (int c = 0; c < n; c++) va[j * n + c] = (float) svd.vh()[j * n + c];
        if (clamp != null) {
            float hi = quantile(b, va, clamp);
            clip(b, hi);
            clip(va, hi);
        }
        return new Tensor[] {delta.backend().fromArray(va, r, n), delta.backend().fromArray(b, m, r)};
    }

    /**
     * torch.quantile(x, q) with its default interpolation "linear": sorted x, position q·(n-1), the two neighbours
     * blended by the fraction (torch.lerp, in float32).
     */
    static float quantile(float[] x1, float[] x2, double q) {
        float[] all = Arrays.copyOf(x1, x1.length + x2.length);
        System.arraycopy(x2, 0, all, x1.length, x2.length);
        Arrays.sort(all);
        double pos = q * (all.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        float w = (float) (pos - lo);
        return all[lo] + w * (all[hi] - all[lo]);
    }

    /** torch.clamp(x, -hi, hi): min(max(x, -hi), hi), so a negative hi (a low quantile) gives hi everywhere. */
    private static void clip(float[] x, float hi) {
        for (int i = 0; i < x.length; i++) x[i] = Math.min(Math.max(x[i], -hi), hi);
    }
}
