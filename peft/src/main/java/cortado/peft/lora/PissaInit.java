package cortado.peft.lora;

import cortado.tensor.linalg.Svd;

/**
 * PiSSA (Meng et al. 2024, "Principal Singular values and Singular vectors Adaptation"), as peft 0.21's
 * {@code LoraLayer.pissa_init} with {@code init_lora_weights="pissa"}: with {@code W = U diag(S) Vh},
 * {@code S_r = S[:r] / scaling}, {@code A = diag(sqrt S_r) Vh[:r]}, {@code B = U[:, :r] diag(sqrt S_r)}, so that
 * {@code scaling · B A} is W's best rank-r approximation; the base keeps the residual {@code W - scaling · B A}.
 * The SVD runs in double (peft's in float32); singular vectors are fixed up to sign, which flips a row of A and the
 * matching column of B together and leaves {@code B A} and the residual unchanged.
 */
final class PissaInit {
    private PissaInit() {}

    /** {@code w} row-major {@code [out, in]}. */
    static LowRankStart of(float[] w, int out, int in, int r, double scaling) {
        int k = Math.min(out, in);
        if (r > k)
            throw new IllegalArgumentException("pissa needs r <= min(out, in) = " + k + " (W has only " + k
                    + " singular values), got r = " + r);
        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) wd[i] = w[i];
        Svd svd = Svd.of(wd, out, in);
        float[] a = new float[r * in], b = new float[out * r];
        for (int c = 0; c < r; c++) {
            double root = Math.sqrt(svd.s()[c] / scaling);
            for (int j = 0; j < in; j++) a[c * in + j] = (float) (root * svd.vh()[c * in + j]);
            for (int i = 0; i < out; i++) b[i * r + c] = (float) (svd.u()[i * k + c] * root);
        }
        return new LowRankStart(a, b, residual(w, a, b, out, in, r, scaling));
    }

    /** {@code w - scaling · b a} from the float32 factors (as peft subtracts the adapter it stores). */
    static float[] residual(float[] w, float[] a, float[] b, int out, int in, int r, double scaling) {
        float[] res = new float[out * in];
        for (int i = 0; i < out; i++)
            for (int j = 0; j < in; j++) {
                double acc = 0;
                for (int c = 0; c < r; c++) acc += (double) b[i * r + c] * a[c * in + j];
                res[i * in + j] = (float) (w[i * in + j] - scaling * acc);
            }
        return res;
    }
}
