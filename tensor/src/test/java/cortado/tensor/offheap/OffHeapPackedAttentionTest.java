package cortado.tensor.offheap;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The off-heap attention with packed sequences (a block-diagonal causal mask) against the heap kernel, which
 * {@code AttentionKernelTest} checks against the mask's definition: forward and backward agree to 1e-5 (float32
 * sums in different orders: one query row at a time here, tiled there).
 */
class OffHeapPackedAttentionTest {
    @Test
    void packedSequencesMatchTheHeapKernel() {
        Backend off = Backends.offHeap(), heap = Backends.cpu();
        Random r = new Random(3);
        int b = 2, h = 4, hkv = 2, s = 45, d = 8;
        float[][] data = new float[4][];
        int[] sizes = {b * h * s * d, b * hkv * s * d, b * hkv * s * d, b * h * s * d};
        for (int i = 0; i < 4; i++) {
            data[i] = new float[sizes[i]];
            for (int j = 0; j < sizes[i]; j++) data[i][j] = (float) r.nextGaussian();
        }
        int[][] starts = new int[b][s];
        for (int p = 0; p < s; p++) {
            starts[0][p] = p < 10 ? 0 : p < 11 ? 10 : p < 30 ? 11 : 30;
            starts[1][p] = p < 40 ? 0 : p;   // one sequence, then padding positions on their own
        }
        AttentionMask mask = AttentionMask.CAUSAL.withPackedSequences(starts);
        float[][] results = new float[2][];
        float[][] grads = new float[2][];
        Backend[] backends = {heap, off};
        for (int i = 0; i < 2; i++) {
            Backend be = backends[i];
            Tensor q = be.fromArray(data[0], b, h, s, d), k = be.fromArray(data[1], b, hkv, s, d),
                    v = be.fromArray(data[2], b, hkv, s, d), dout = be.fromArray(data[3], b, h, s, d);
            Backend.AttentionResult at = be.attention(q, k, v, mask, 0.3f);
            Backend.AttentionGrads ag = be.attentionBackward(dout, q, k, v, at.out(), at.lse(), mask, 0.3f);
            results[i] = be.toArray(at.out());
            float[] dq = be.toArray(ag.dq()), dk = be.toArray(ag.dk()), dv = be.toArray(ag.dv());
            grads[i] = new float[dq.length + dk.length + dv.length];
            System.arraycopy(dq, 0, grads[i], 0, dq.length);
            System.arraycopy(dk, 0, grads[i], dq.length, dk.length);
            System.arraycopy(dv, 0, grads[i], dq.length + dk.length, dv.length);
        }
        for (int j = 0; j < results[0].length; j++)
            assertThat(results[1][j]).as("out " + j).isCloseTo(results[0][j], org.assertj.core.data.Offset.offset(1e-5f));
        for (int j = 0; j < grads[0].length; j++)
            assertThat(grads[1][j]).as("grad " + j).isCloseTo(grads[0][j], org.assertj.core.data.Offset.offset(1e-5f));
    }
}
