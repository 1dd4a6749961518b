package cortado.tensor.cpu.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.Parallel;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 16-bit weight kernels. Widening is checked exhaustively, bit for bit, against the JDK's scalar conversions (all
 * 65536 patterns, subnormals, infinities and NaNs included). The products are checked against widen-then-multiply in
 * double precision with tolerance 1e-5 * sum |w*x| (fp32 accumulation over k terms; a wrong lane order, a swapped
 * even/odd half or a missed tail is off by O(1)); shapes cover the paired vector path (cols a multiple of 2*VL),
 * the scalar fallback (odd cols), row counts that are not multiples of four, the matrix-vector path (1 row), the
 * blocked path (rows >= 4) and several threads.
 */
class HalfMatrixTest {
    private final Backend cpu = Backends.cpu();

    static short[] randomBits(DType dtype, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            float v = (float) (r.nextGaussian() * 0.5);
            bits[i] = dtype == DType.BF16 ? DType.f32ToBf16(v) : DType.f32ToF16(v);
        }
        return bits;
    }

    @Test
    void bf16WidensEveryBitPatternExactly() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        Bf16Matrix m = new Bf16Matrix(all, 2, 32768);
        float[] out = new float[65536];
        m.decode(0, 2, 0, 32768, out, 0, 32768);
        for (int i = 0; i < all.length; i++)
            assertThat(Float.floatToRawIntBits(out[i])).as("bits %04x", i)
                    .isEqualTo(Float.floatToRawIntBits(DType.bf16ToF32(all[i])));
    }

    @Test
    void f16WidensEveryBitPatternAsFloat16ToFloat() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        F16Matrix m = new F16Matrix(all, 2, 32768);
        float[] out = new float[65536];
        m.decode(0, 2, 0, 32768, out, 0, 32768);
        for (int i = 0; i < all.length; i++)
            assertThat(Float.floatToRawIntBits(out[i])).as("bits %04x", i)
                    .isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(all[i])));
        // The paired matrix-vector kernel widens through the same lanes: W = all patterns that are finite, x = ones.
        short[] finite = new short[4 * 128];
        for (int i = 0; i < finite.length; i++) finite[i] = (short) (i * 61 % 0x7c00 | (i % 3 == 0 ? 0x8000 : 0));
        F16Matrix f = new F16Matrix(finite, 4, 128);
        float[] ones = new float[128];
        java.util.Arrays.fill(ones, 1f);
        float[] y = new float[4];
        QuantMatmul.gemv(f, ones, 0, y, 0);
        for (int r = 0; r < 4; r++) {
            double s = 0;
            for (int c = 0; c < 128; c++) s += Float.float16ToFloat(finite[r * 128 + c]);
            assertThat((double) y[r]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-3 * Math.abs(s) + 1e-6));
        }
    }

    @ParameterizedTest(name = "{0} rows={1} out={2} in={3} threads={4}")
    @CsvSource({
            "BF16, 1, 36, 64, 1", "BF16, 1, 37, 96, 2", "BF16, 1, 13, 37, 1", "BF16, 3, 40, 128, 2",
            "BF16, 7, 70, 96, 2", "BF16, 33, 129, 600, 2", "BF16, 5, 9, 37, 1",
            "F16, 1, 36, 64, 1", "F16, 1, 37, 96, 2", "F16, 1, 13, 37, 1", "F16, 3, 40, 128, 2",
            "F16, 7, 70, 96, 2", "F16, 33, 129, 600, 2", "F16, 5, 9, 37, 1"})
    void productsMatchWidenThenMultiply(DType dtype, int rows, int out, int in, int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            HalfMatrix w = HalfMatrix.of(dtype, randomBits(dtype, out * in, 1), out, in);
            float[] x = QuantMatmulTest.random(rows * in, 2);
            float[] y = new float[rows * out];
            QuantMatmul.matmul(w, x, 0, rows, y, 0);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < out; j++) {
                    double s = 0, bound = 0;
                    for (int p = 0; p < in; p++) {
                        double t = (double) widened(w, j * in + p) * x[i * in + p];
                        s += t;
                        bound += Math.abs(t);
                    }
                    assertThat((double) y[i * out + j]).as("y[%d,%d]", i, j)
                            .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * bound + 1e-7));
                }
            float[] dy = QuantMatmulTest.random(rows * out, 3);
            float[] dx = new float[rows * in];
            QuantMatmul.matmulGradInput(w, dy, 0, rows, dx, 0);
            for (int i = 0; i < rows; i++)
                for (int p = 0; p < in; p++) {
                    double s = 0, bound = 0;
                    for (int j = 0; j < out; j++) {
                        double t = (double) widened(w, j * in + p) * dy[i * out + j];
                        s += t;
                        bound += Math.abs(t);
                    }
                    assertThat((double) dx[i * in + p]).as("dx[%d,%d]", i, p)
                            .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * bound + 1e-7));
                }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static float widened(HalfMatrix w, int f) {
        short b = w.bits()[f];
        return w.dtype() == DType.BF16 ? DType.bf16ToF32(b) : Float.float16ToFloat(b);
    }

    @Test
    void gemvIsTheSameOnEveryThreadCount() {
        HalfMatrix w = HalfMatrix.of(DType.BF16, randomBits(DType.BF16, 512 * 256, 4), 512, 256);
        float[] x = QuantMatmulTest.random(256, 5);
        float[] one = new float[512], two = new float[512];
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            QuantMatmul.gemv(w, x, 0, one, 0);
            Parallel.setThreads(2);
            QuantMatmul.gemv(w, x, 0, two, 0);
        } finally {
            Parallel.setThreads(before);
        }
        assertThat(two).containsExactly(one);
    }

    @Test
    void backendOpsRunTheKernelsAndLendTheBitsBack() {
        short[] bits = randomBits(DType.F16, 12 * 64, 6);
        F16Matrix k = new F16Matrix(bits.clone(), 12, 64);
        QuantizedWeight w = cpu.weight16bit(DType.F16, bits, 12, 64);
        assertThat(w.rows()).isEqualTo(12);
        assertThat(w.cols()).isEqualTo(64);
        float[] xs = QuantMatmulTest.random(2 * 3 * 64, 7);
        Tensor x = cpu.fromArray(xs.clone(), 2, 64, 3).transpose(1, 2);   // a strided view
        float[] expected = new float[6 * 12];
        QuantMatmul.matmul(k, x.toArray(), 0, 6, expected, 0);
        Tensor y = cpu.quantizedMatmul(x, w);
        assertThat(y.shape()).containsExactly(2, 3, 12);
        assertThat(y.toArray()).containsExactly(expected);

        short[][] lent = new short[1][];
        cpu.readHost16(w, (a, off, n) -> lent[0] = java.util.Arrays.copyOfRange(a, off, off + n));
        assertThat(lent[0]).containsExactly(k.bits());

        int[] ids = {11, 0, 11, 5};
        Tensor rows = cpu.quantizedEmbedding(w, ids);
        assertThat(rows.shape()).containsExactly(4, 64);
        float[] r = rows.toArray();
        for (int i = 0; i < ids.length; i++)
            for (int c = 0; c < 64; c++)
                assertThat(r[i * 64 + c]).isEqualTo(k.value((long) ids[i] * 64 + c));
        assertThatThrownBy(() -> cpu.quantizedEmbedding(w, new int[] {12})).hasMessageContaining("out of range");
    }

    @Test
    void fourBitAndInt8TablesLookUpRowsToo() {
        Packed4bit q = QuantMatmulTest.random4bit(10, 64, 64, 8);
        int[] ids = {9, 3, 3};
        float[] r = cpu.quantizedEmbedding(q, ids).toArray();
        for (int i = 0; i < ids.length; i++)
            for (int c = 0; c < 64; c++) assertThat(r[i * 64 + c]).isEqualTo(q.value((long) ids[i] * 64 + c));
        PackedInt8 q8 = QuantMatmulTest.randomInt8(10, 48, 48, 9);
        float[] r8 = cpu.quantizedEmbedding(q8, ids).toArray();
        for (int i = 0; i < ids.length; i++)
            for (int c = 0; c < 48; c++) assertThat(r8[i * 48 + c]).isEqualTo(q8.value((long) ids[i] * 48 + c));
    }

    @Test
    void rejectsBadShapesAndTypes() {
        assertThatThrownBy(() -> cpu.weight16bit(DType.BF16, new short[5], 2, 3)).hasMessageContaining("needs 6 values");
        assertThatThrownBy(() -> cpu.weight16bit(DType.F32, new short[6], 2, 3)).hasMessageContaining("BF16 or F16");
        assertThatThrownBy(() -> cpu.readHost16(QuantMatmulTest.randomInt8(2, 16, 16, 1), (a, o, n) -> {}))
                .hasMessageContaining("not a 16-bit weight");
    }
}
