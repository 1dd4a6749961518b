package cortado.tensor.cpu.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The fused quantized kernels against dequantize-then-multiply in double precision. Tolerance: fp32 accumulation
 * over k terms, relative to sum |w*x| (1e-5 * that bound; a wrong nibble, scale or lane order is off by O(1)).
 */
class QuantMatmulTest {
    static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f,
            0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
            0.5626170039176941f, 0.7229568362236023f, 1.0f};

    static Packed4bit random4bit(int rows, int cols, int blocksize, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = rows * cols;
        byte[] packed = new byte[(n + 1) / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) r.nextInt(256);
        float[] absmax = new float[(n + blocksize - 1) / blocksize];
        for (int i = 0; i < absmax.length; i++) absmax[i] = (float) (0.1 + r.nextDouble());
        return new Packed4bit(packed, absmax, NF4, blocksize, rows, cols);
    }

    static PackedInt8 randomInt8(int rows, int cols, int group, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] data = new byte[rows * cols];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (r.nextInt(255) - 127);
        float[] scale = new float[(rows * cols + group - 1) / group];
        for (int i = 0; i < scale.length; i++) scale[i] = (float) ((0.1 + r.nextDouble()) / 127);
        return new PackedInt8(data, scale, group, rows, cols);
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    static double w(QuantizedMatrix m, int r, int c) {
        return m instanceof Packed4bit p ? p.value((long) r * m.cols() + c) : ((PackedInt8) m).value((long) r * m.cols() + c);
    }

    static void checkForward(QuantizedMatrix m, int rows, long seed) {
        int out = m.rows(), in = m.cols();
        float[] x = random(rows * in, seed);
        float[] y = new float[rows * out];
        java.util.Arrays.fill(y, Float.NaN); // overwritten, never read
        QuantMatmul.matmul(m, x, 0, rows, y, 0);
        for (int i = 0; i < rows; i++)
            for (int o = 0; o < out; o++) {
                double s = 0, bound = 0;
                for (int c = 0; c < in; c++) {
                    s += w(m, o, c) * x[i * in + c];
                    bound += Math.abs(w(m, o, c) * x[i * in + c]);
                }
                assertThat((double) y[i * out + o]).as("Y[%d,%d]", i, o).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * bound + 1e-6));
            }
    }

    static void checkGradInput(QuantizedMatrix m, int rows, long seed) {
        int out = m.rows(), in = m.cols();
        float[] dy = random(rows * out, seed);
        float[] dx = new float[rows * in];
        java.util.Arrays.fill(dx, Float.NaN);
        QuantMatmul.matmulGradInput(m, dy, 0, rows, dx, 0);
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < in; c++) {
                double s = 0, bound = 0;
                for (int o = 0; o < out; o++) {
                    s += dy[i * out + o] * w(m, o, c);
                    bound += Math.abs(dy[i * out + o] * w(m, o, c));
                }
                assertThat((double) dx[i * in + c]).as("dX[%d,%d]", i, c).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5 * bound + 1e-6));
            }
    }

    @ParameterizedTest(name = "4-bit rows={0} out={1} in={2} blocksize={3} threads={4}")
    @CsvSource({
            "1, 64, 128, 64, 1",      // decoding, vector path (512-bit: a wide step of 128 spans two blocks)
            "1, 21, 384, 256, 2",     // decoding, wide steps inside blocks that straddle rows (384 % 256 != 0)
            "1, 1030, 128, 64, 2",    // threaded matvec; chunk edges on multiples of 4, 1030 % 4 = 2 leftover rows
            "2, 517, 256, 128, 2",    // two rows of decoding, odd out
            "1, 67, 96, 64, 2",       // odd out; blocks span rows (96 % 64 != 0)
            "3, 40, 256, 32, 2",      // few rows take the fused gemv
            "17, 300, 640, 64, 2",    // one thread (below sgemm's split size): a ragged last panel (300 % 32), 3 k-blocks
            "130, 300, 640, 64, 2",   // two threads sharing the decoded panels of each block
            "70, 1100, 768, 64, 2",   // wider than one packed B block (NC columns): two column blocks
            "9, 33, 70, 64, 1",       // in % 32 != 0: scalar path
            "8, 24, 1024, 1024, 2",   // a quantization block wider than a k-block (1024 > 256)
            "5, 7, 9, 32, 1"})        // odd element count: the last byte's low nibble is padding
    void fourBit(int rows, int out, int in, int blocksize, int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            Packed4bit m = random4bit(out, in, blocksize, 7L * out + in);
            checkForward(m, rows, 11);
            checkGradInput(m, rows, 13);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @ParameterizedTest(name = "int8 rows={0} out={1} in={2} group={3}")
    @CsvSource({"1, 50, 128, 128", "6, 70, 256, 64", "20, 300, 544, 544", "4, 9, 20, 20", "2, 5, 48, 16"})
    void int8(int rows, int out, int in, int group) {
        PackedInt8 m = randomInt8(out, in, group, 3L * out + in);
        checkForward(m, rows, 17);
        checkGradInput(m, rows, 19);
    }

    @Test
    void decodeMatchesScalarValuesOnUnalignedRectangles() {
        Packed4bit m = random4bit(20, 192, 64, 5);
        float[] dst = new float[10 * 200];
        m.decode(3, 13, 32, 160, dst, 5, 200);
        for (int r = 3; r < 13; r++)
            for (int c = 32; c < 160; c++)
                assertThat(dst[5 + (r - 3) * 200 + c - 32]).isEqualTo(m.value((long) r * 192 + c));
        // First element of a byte sits in the HIGH nibble.
        byte[] one = {(byte) 0xF0};
        Packed4bit p = new Packed4bit(one, new float[] {2f}, NF4, 64, 1, 2);
        float[] two = new float[2];
        p.decode(0, 1, 0, 2, two, 0, 2);
        assertThat(two).containsExactly(2f, -2f);
    }

    @Test
    void rejectsInconsistentSizes() {
        assertThatThrownBy(() -> new Packed4bit(new byte[10], new float[1], NF4, 64, 4, 4))
                .hasMessageContaining("needs 8 packed bytes, got 10");
        assertThatThrownBy(() -> new Packed4bit(new byte[8], new float[2], NF4, 64, 4, 4))
                .hasMessageContaining("needs 1 absmax");
        assertThatThrownBy(() -> new PackedInt8(new byte[16], new float[3], 4, 4, 4))
                .hasMessageContaining("needs 4 scales");
    }
}
