package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ElementwiseTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(1);

    /** Value of t at the output index, reading t as broadcast to the output's rank (NumPy rules). */
    private static double at(Tensor t, int[] idx) {
        int lead = idx.length - t.rank();
        int[] ti = new int[t.rank()];
        for (int i = 0; i < ti.length; i++) ti[i] = t.size(i) == 1 ? 0 : idx[lead + i];
        return t.get(ti);
    }

    private static void forEachIndex(int[] shape, java.util.function.Consumer<int[]> f) {
        int n = 1;
        for (int d : shape) n *= d;
        int[] idx = new int[shape.length];
        for (int k = 0; k < n; k++) {
            int rem = k;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }
            f.accept(idx);
        }
    }

    private void checkBinary(Tensor a, Tensor b, int[] outShape) {
        Object[][] ops = {
            {(java.util.function.BinaryOperator<Tensor>) be::add, (DoubleBinaryOperator) (x, y) -> x + y},
            {(java.util.function.BinaryOperator<Tensor>) be::sub, (DoubleBinaryOperator) (x, y) -> x - y},
            {(java.util.function.BinaryOperator<Tensor>) be::mul, (DoubleBinaryOperator) (x, y) -> x * y},
            {(java.util.function.BinaryOperator<Tensor>) be::div, (DoubleBinaryOperator) (x, y) -> x / y},
        };
        for (Object[] op : ops) {
            @SuppressWarnings("unchecked")
            Tensor out = ((java.util.function.BinaryOperator<Tensor>) op[0]).apply(a, b);
            DoubleBinaryOperator ref = (DoubleBinaryOperator) op[1];
            assertThat(out.shape()).isEqualTo(outShape);
            assertThat(out.isContiguous()).isTrue();
            double[] expected = new double[out.numel()];
            int[] k = {0};
            forEachIndex(outShape, idx -> expected[k[0]++] = ref.applyAsDouble(at(a, idx), at(b, idx)));
            // float32 rounding of one op: relative 1e-6 of each element
            float[] got = out.toArray();
            for (int i = 0; i < got.length; i++)
                assertThat((double) got[i]).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-6 * Math.abs(expected[i]) + 1e-7));
        }
    }

    @Test
    void broadcastingFollowsNumpy() {
        checkBinary(randn(r, 7, 37), randn(r, 37), new int[] {7, 37});           // bias row
        checkBinary(randn(r, 37), randn(r, 7, 37), new int[] {7, 37});
        checkBinary(randn(r, 5, 1, 3), randn(r, 4, 1), new int[] {5, 4, 3});
        checkBinary(randn(r, 6, 33), randn(r, 6, 1), new int[] {6, 33});          // per-row scalar
        checkBinary(randn(r, 2, 3, 40), Tensor.scalar(1.5f), new int[] {2, 3, 40});
        checkBinary(Tensor.scalar(-2f), randn(r, 3, 19), new int[] {3, 19});
        checkBinary(randn(r, 100_003), randn(r, 100_003), new int[] {100_003});   // long row split in pieces
        checkBinary(randn(r, 3, 70_000), randn(r, 70_000), new int[] {3, 70_000});
    }

    @Test
    void binaryOpsReadViews() {
        Tensor a = randn(r, 5, 8, 3).permute(2, 0, 1);   // [3,5,8] strided
        Tensor b = randn(r, 8, 5).transpose(0, 1);       // [5,8] transposed
        checkBinary(a, b, new int[] {3, 5, 8});
        checkBinary(randn(r, 10, 12).slice(1, 2, 9), randn(r, 10, 7), new int[] {10, 7});
    }

    @Test
    void incompatibleShapesAreRejected() {
        assertThatThrownBy(() -> be.add(Tensor.zeros(3, 4), Tensor.zeros(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not broadcast");
    }

    @Test
    void copyFillAndCopyIntoHandleViews() {
        Tensor x = randn(r, 4, 6, 5);
        Tensor p = x.permute(2, 0, 1);
        Tensor c = be.copy(p);
        assertThat(c.isContiguous()).isTrue();
        forEachIndex(p.shape(), idx -> assertThat(c.get(idx)).isEqualTo(p.get(idx)));

        Tensor dst = Tensor.zeros(6, 4);
        Tensor view = dst.transpose(0, 1);                // [4,6] view into dst
        Tensor src = randn(r, 4, 6);
        be.copyInto(view, src);
        forEachIndex(src.shape(), idx -> assertThat(view.get(idx)).isEqualTo(src.get(idx)));

        Tensor big = Tensor.zeros(5, 7);
        be.fillInPlace(big.slice(1, 2, 5), 3f);
        forEachIndex(big.shape(), idx -> assertThat(big.get(idx)).isEqualTo(idx[1] >= 2 && idx[1] < 5 ? 3f : 0f));
    }

    @Test
    void scalarOpsAndInPlaceUpdates() {
        Tensor a = randn(r, 9, 31);
        assertClose(be.scale(a, 2.5f), map(a, v -> v * 2.5), 1e-6, 0, "scale");
        assertClose(be.addScalar(a.transpose(0, 1), -1.25f), map(be.copy(a.transpose(0, 1)), v -> v - 1.25), 1e-6, 1e-7, "addScalar");

        Tensor dst = randn(r, 9, 31), src = randn(r, 9, 31);
        double[] expected = new double[dst.numel()];
        float[] d0 = dst.toArray(), s0 = src.toArray();
        for (int i = 0; i < expected.length; i++) expected[i] = d0[i] + 0.3 * s0[i];
        be.axpyInPlace(dst, 0.3f, src);
        assertClose(dst, expected, 1e-6, 1e-7, "axpy");

        Tensor base = randn(r, 31, 9);
        Tensor tv = base.transpose(0, 1);
        float[] before = be.copy(tv).toArray();
        be.axpyInPlace(tv, -2f, src);
        float[] after = be.copy(tv).toArray();
        for (int i = 0; i < before.length; i++) assertThat(after[i]).isCloseTo(before[i] - 2f * s0[i], org.assertj.core.api.Assertions.within(1e-5f));
        be.scaleInPlace(tv, 0.5f);
        float[] halved = be.copy(tv).toArray();
        for (int i = 0; i < before.length; i++) assertThat(halved[i]).isEqualTo(after[i] * 0.5f);
    }

    @Test
    void unaryMathMatchesDouble() {
        Tensor a = randn(r, 13, 77);
        Tensor pos = be.addScalar(be.mul(a, a), 0.1f);
        // SVML-style vector exp/log/tanh are within a few ulps: 2e-6 relative.
        assertClose(be.exp(a), map(a, Math::exp), 2e-6, 0, "exp");
        assertClose(be.log(pos), map(pos, Math::log), 2e-6, 1e-6, "log");
        assertClose(be.tanh(a), map(a, Math::tanh), 2e-6, 1e-7, "tanh");
        assertClose(be.sigmoid(a.transpose(0, 1)), map(be.copy(a.transpose(0, 1)), v -> 1 / (1 + Math.exp(-v))), 2e-6, 1e-7, "sigmoid");
    }

    static double[] map(Tensor t, DoubleUnaryOperator f) {
        float[] x = t.toArray();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }
}
