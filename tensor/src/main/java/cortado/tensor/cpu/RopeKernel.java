package cortado.tensor.cpu;

import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding (Su et al. 2021) in the rotate-half layout of Hugging Face's Llama
 * ({@code apply_rotary_pos_emb}: x * cos + rotate_half(x) * sin): for i < D/2 the pair (x[i], x[i + D/2]) of each token
 * is rotated by the angle of that token's own position id, read from a precomputed {@link RopeTable}. The inverse
 * rotation (sin negated) is the backward.
 */
final class RopeKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RopeKernel() {}

    static Tensor apply(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        table.checkApplies(x, positions);
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        Tensor ct = table.cos().contiguous(), st = table.sin().contiguous();
        float[] cos = ct.data(), sin = st.data();
        int co = ct.offset(), so = st.offset();
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        float sign = inverse ? -1f : 1f;
        int rows = b * h * t;
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, d)), (from, to) -> {
            FloatVector neg = FloatVector.broadcast(S, sign);
            for (int r = from; r < to; r++) {
                int step = r % t, batch = r / (h * t);
                int p = positions[batch * t + step];
                int xr = ao + r * d, yr = r * d, cr = co + p * half, sr = so + p * half;
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector x1 = FloatVector.fromArray(S, a, xr + i), x2 = FloatVector.fromArray(S, a, xr + i + half);
                    FloatVector cs = FloatVector.fromArray(S, cos, cr + i);
                    FloatVector sn = FloatVector.fromArray(S, sin, sr + i).mul(neg);
                    x1.mul(cs).sub(x2.mul(sn)).intoArray(y, yr + i);
                    x2.mul(cs).add(x1.mul(sn)).intoArray(y, yr + i + half);
                }
                for (; i < half; i++) {
                    float x1 = a[xr + i], x2 = a[xr + i + half], cs = cos[cr + i], sn = sign * sin[sr + i];
                    y[yr + i] = x1 * cs - x2 * sn;
                    y[yr + i + half] = x2 * cs + x1 * sn;
                }
            }
        });
        return out;
    }
}
