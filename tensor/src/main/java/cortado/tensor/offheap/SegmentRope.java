package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding, rotate-half form (transformers' apply_rotary_pos_emb), on off-heap x [B, H, T, D]:
 * y1 = x1 cos - x2 sin, y2 = x2 cos + x1 sin for the halves x1 = x[:D/2], x2 = x[D/2:], cos and sin from the table
 * row of each token's position; the inverse (backward) negates sin. The table may live on either CPU backend (its
 * segment is read directly).
 */
final class SegmentRope {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentRope() {}

    static Tensor apply(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        table.checkApplies(x, positions);
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        Tensor ct = table.cos().contiguous(), st = table.sin().contiguous(), c = x.contiguous();
        MemorySegment cos = ct.storage().segment(), sin = st.storage().segment(), a = seg(c);
        long co = ct.offsetLong(), so = st.offsetLong(), ao = c.offsetLong();
        Tensor out = OffHeapBackend.empty(x.shape());
        MemorySegment y = seg(out);
        float sign = inverse ? -1f : 1f;
        SegmentKernels.rows((long) b * h * t, d, (from, to) -> {
            FloatVector neg = FloatVector.broadcast(S, sign);
            for (long r = from; r < to; r++) {
                int step = (int) (r % t), batch = (int) (r / ((long) h * t));
                long p = positions[batch * t + step];
                long xr = ao + r * d, yr = r * d, cr = co + p * half, sr = so + p * half;
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector x1 = load(a, xr + i), x2 = load(a, xr + i + half), cs = load(cos, cr + i);
                    FloatVector sn = load(sin, sr + i).mul(neg);
                    store(x1.mul(cs).sub(x2.mul(sn)), y, yr + i);
                    store(x2.mul(cs).add(x1.mul(sn)), y, yr + i + half);
                }
                for (; i < half; i++) {
                    float x1 = get(a, xr + i), x2 = get(a, xr + i + half), cs = get(cos, cr + i), sn = sign * get(sin, sr + i);
                    put(y, yr + i, x1 * cs - x2 * sn);
                    put(y, yr + i + half, x2 * cs + x1 * sn);
                }
            }
        });
        return out;
    }
}
