package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ops over frozen backend-held weights. {@code frozenLinear}'s input gradient (dx = dy W through the 16-bit
 * kernel) is checked by finite differences, with the weight in bf16 and in f16, on the matrix-vector path (1 row,
 * what decoding with LoRA on a 16-bit base runs) and the blocked path (6 rows); its forward equals F.linear on the
 * widened weight. The frozen embedding gives the widened rows and records nothing.
 */
class FrozenWeightGradTest {
    private static short[] bits(DType dtype, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] b = new short[n];
        for (int i = 0; i < n; i++) {
            float v = (float) r.nextGaussian();
            b[i] = dtype == DType.BF16 ? DType.f32ToBf16(v) : DType.f32ToF16(v);
        }
        return b;
    }

    private static Tensor widened(DType dtype, short[] b, int rows, int cols) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = dtype == DType.BF16 ? DType.bf16ToF32(b[i]) : DType.f16ToF32(b[i]);
        return Tensor.of(f, rows, cols);
    }

    @Test
    void frozenLinearInputGradientIn16Bits() {
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            short[] b = bits(dtype, 5 * 64, 1);
            QuantizedWeight w = Backends.cpu().weight16bit(dtype, b.clone(), 5, 64);
            check("frozenLinear " + dtype + " 1 row", in -> F.frozenLinear(in[0], w), param(2, 1, 64));
            check("frozenLinear " + dtype + " 6 rows", in -> F.frozenLinear(in[0], w), param(3, 2, 3, 64));
            Tensor x = randn(4, 6, 64);
            float[] got = F.frozenLinear(x, w).toArray();
            float[] ref = F.linear(x, widened(dtype, b, 5, 64), null).toArray();
            for (int i = 0; i < ref.length; i++) assertThat(got[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void frozenEmbeddingGivesWidenedRowsWithoutAGraph() {
        short[] b = bits(DType.BF16, 7 * 32, 5);
        QuantizedWeight table = Backends.cpu().weight16bit(DType.BF16, b.clone(), 7, 32);
        int[] ids = {6, 0, 6};
        Tensor rows = F.frozenEmbedding(table, ids);
        assertThat(rows.requiresGrad()).isFalse();
        assertThat(rows.toArray()).containsExactly(F.embedding(widened(DType.BF16, b, 7, 32), ids).toArray());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> F.frozenEmbedding(table, new int[] {7}))
                .hasMessageContaining("outside the vocabulary of 7");
    }
}
