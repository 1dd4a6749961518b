package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding (Su et al. 2021) in the rotate-half layout of Hugging Face's Llama: for i < D/2 the pair
 * (x[i], x[i + D/2]) is rotated by angle pos * theta^(-2i/D). The inverse rotation (angle negated) is the backward.
 * Frequencies and angles are rounded to float32 the way transformers computes them, so positions match it exactly.
 */
final class RopeKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RopeKernel() {}

    static Tensor apply(Tensor x, int startPos, float theta, boolean inverse) {
        if (x.rank() != 4 || x.size(-1) % 2 != 0)
            throw new IllegalArgumentException("rope needs x [B, H, T, D] with even D, got " + Arrays.toString(x.shape()));
        if (startPos < 0) throw new IllegalArgumentException("rope start position " + startPos + " < 0");
        int t = x.size(2), d = x.size(3), half = d / 2;
        float[] cos = new float[t * half], sin = new float[t * half];
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, (double) (2 * i) / d));
            for (int p = 0; p < t; p++) {
                float angle = (float) (startPos + p) * invFreq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = inverse ? -(float) Math.sin(angle) : (float) Math.sin(angle);
            }
        }
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        int rows = x.numel() / Math.max(1, d);
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, d)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int p = r % t, xr = ao + r * d, yr = r * d, tr = p * half;
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector x1 = FloatVector.fromArray(S, a, xr + i), x2 = FloatVector.fromArray(S, a, xr + i + half);
                    FloatVector cs = FloatVector.fromArray(S, cos, tr + i), sn = FloatVector.fromArray(S, sin, tr + i);
                    x1.mul(cs).sub(x2.mul(sn)).intoArray(y, yr + i);
                    x2.mul(cs).add(x1.mul(sn)).intoArray(y, yr + i + half);
                }
                for (; i < half; i++) {
                    float x1 = a[xr + i], x2 = a[xr + i + half], cs = cos[tr + i], sn = sin[tr + i];
                    y[yr + i] = x1 * cs - x2 * sn;
                    y[yr + i + half] = x2 * cs + x1 * sn;
                }
            }
        });
        return out;
    }
}
