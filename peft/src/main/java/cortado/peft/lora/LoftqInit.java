package cortado.peft.lora;

import cortado.quant.BlockwiseQuantizer;
import cortado.quant.QuantType;
import cortado.tensor.linalg.Svd;

/**
 * LoftQ (Li et al. 2023, "LoftQ: LoRA-Fine-Tuning-Aware Quantization"), as peft 0.21's {@code utils.loftq_utils.
 * loftq_init} with 4 bits: starting from {@code res = W}, each iteration quantizes {@code res} to NF4 (bitsandbytes'
 * blocksize 64 over the flattened weight, no double quantization) and dequantizes it to Q, then takes the rank-r SVD
 * of {@code W - Q = U diag(S) Vh}: {@code B = U[:, :r] diag(sqrt S[:r])}, {@code A = diag(sqrt S[:r]) Vh[:r]}, and
 * (except after the last) sets {@code res = W - B A}. The base keeps the last Q (dequantized, as peft stores it, ready
 * to be quantized to exactly those codes). peft applies no {@code scaling} here.
 */
final class LoftqInit {
    private LoftqInit() {}

    /** {@code w} row-major {@code [out, in]}. */
    static LowRankStart of(float[] w, int out, int in, int r, LoftqConfig config) {
        int k = Math.min(out, in);
        if (r > k) throw new IllegalArgumentException("loftq needs r <= min(out, in) = " + k + ", got r = " + r);
        float[] res = w.clone(), q = null, a = null, b = null;
        int[] shape = {out, in};
        for (int it = 0; it < config.loftqIter(); it++) {
            q = BlockwiseQuantizer.quantize4bit(res, shape, QuantType.NF4).dequantize();
            double[] diff = new double[w.length];
            for (int i = 0; i < w.length; i++) diff[i] = (float) (w[i] - q[i]);    // float32 as torch subtracts
            Svd svd = Svd.of(diff, out, in);
            a = new float[r * in];
            b = new float[out * r];
            for (int c = 0; c < r; c++) {
                double root = Math.sqrt(svd.s()[c]);
                for (int j = 0; j < in; j++) a[c * in + j] = (float) (root * svd.vh()[c * in + j]);
                for (int i = 0; i < out; i++) b[i * r + c] = (float) (svd.u()[i * k + c] * root);
            }
            if (it + 1 == config.loftqIter()) break;
            res = PissaInit.residual(w, a, b, out, in, r, 1.0);
        }
        return new LowRankStart(a, b, q);
    }
}
