package cortado.quant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Must-show 1 and 2 on a 1024x1024 standard-normal matrix. bitsandbytes' test_4bit_quant reports the mean absolute
 * quantize-dequantize error of such a matrix at blocksize 64 as 0.0728 (NF4) and 0.0965 (FP4); we must land within
 * 2% of those (the matrices differ, so the figures agree only statistically: with 2^20 samples the mean's standard
 * error is ~0.1%). The QLoRA paper's ordering NF4 < FP4 must hold at every blocksize, and double quantization may
 * move the error by less than 1%. Bits per parameter are counted from the bytes a Quantized4bit holds.
 */
class QuantizationErrorTest {
    static final int N = 1024;
    static float[] a;

    @BeforeAll
    static void matrix() {
        Random r = new Random(42);
        a = new float[N * N];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
    }

    static double meanAbsError(Quantized4bit q) {
        float[] b = q.dequantize();
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
        return s / a.length;
    }

    static double error(QuantType t, int blocksize, boolean dq) {
        return meanAbsError(BlockwiseQuantizer.quantize4bit(a, new int[] {N, N}, t, blocksize, dq));
    }

    @Test
    void errorsAtBlocksize64MatchBitsandbytesWithinTwoPercent() {
        double nf4 = error(QuantType.NF4, 64, false), fp4 = error(QuantType.FP4, 64, false);
        System.out.printf("1024x1024 N(0,1), blocksize 64: mean |x - dq(q(x))| NF4 %.5f (bnb 0.0728), FP4 %.5f (bnb 0.0965)%n", nf4, fp4);
        assertThat(nf4).isCloseTo(0.0728, within(0.02 * 0.0728));
        assertThat(fp4).isCloseTo(0.0965, within(0.02 * 0.0965));
    }

    @Test
    void nf4BeatsFp4AtEveryBlocksize() {
        for (int bs : Blocksizes.FOUR_BIT) {
            double nf4 = error(QuantType.NF4, bs, false), fp4 = error(QuantType.FP4, bs, false);
            System.out.printf("blocksize %4d: NF4 %.5f  FP4 %.5f%n", bs, nf4, fp4);
            assertThat(nf4).as("blocksize %d", bs).isLessThan(fp4);
        }
    }

    @Test
    void doubleQuantizationMovesTheErrorByLessThanOnePercent() {
        for (QuantType t : QuantType.values())
            for (int bs : new int[] {32, 64, 256}) {
                double plain = error(t, bs, false), dq = error(t, bs, true);
                double rel = Math.abs(dq - plain) / plain;
                System.out.printf("%s blocksize %d: error %.6f, with double quant %.6f (%.3f%%)%n", t, bs, plain, dq, 100 * rel);
                assertThat(rel).as("%s blocksize %d", t, bs).isLessThan(0.01);
            }
    }

    @Test
    void bitsPerParameterFromBytesHeld() {
        Quantized4bit dq = BlockwiseQuantizer.quantize4bit(a, new int[] {N, N}, QuantType.NF4, 64, true);
        Quantized4bit plain = BlockwiseQuantizer.quantize4bit(a, new int[] {N, N}, QuantType.NF4, 64, false);
        System.out.printf("bits/param at blocksize 64: %.5f with double quant (%d bytes), %.5f without (%d bytes)%n",
                dq.bitsPerParameter(), dq.bytesHeld(), plain.bitsPerParameter(), plain.bytesHeld());
        // 4 + 8/64 + 32/(64*256) = 4.12695 (+ the fp32 offset, 32 bits over 2^20 parameters).
        assertThat(dq.bitsPerParameter()).isCloseTo(4.127, within(0.001));
        assertThat(plain.bitsPerParameter()).isEqualTo(4.5);
        // The count is of the arrays actually held.
        assertThat(dq.bytesHeld()).isEqualTo(dq.packed().length + dq.doubleQuant().absmaxCodes().length
                + 4L * dq.doubleQuant().nestedAbsmax().length + 4);
    }

    @Test
    void eightBitErrorsAreSmall() {
        Quantized8bit q = BlockwiseQuantizer.quantize8bit(a, new int[] {N, N});
        Quantized8bit r = Int8RowQuantizer.quantize(a, new int[] {N, N});
        double e8 = 0, ei = 0;
        float[] b8 = q.dequantize(), bi = r.dequantize();
        for (int i = 0; i < a.length; i++) { e8 += Math.abs(a[i] - b8[i]); ei += Math.abs(a[i] - bi[i]); }
        e8 /= a.length;
        ei /= a.length;
        System.out.printf("8-bit dynamic blockwise (256): %.5f, LLM.int8 rows: %.5f, bits/param %.4f / %.4f%n", e8, ei,
                q.bitsPerParameter(), r.bitsPerParameter());
        // 0.011 is the mean-abs-error bound bitsandbytes' own dynamic blockwise test uses. Int8 rows: a row of 1024
        // N(0,1) values has absmax ~3.4, a rounding step of absmax/127 ~ 0.027 and so a mean error near step/4.
        assertThat(e8).isLessThan(0.011);
        assertThat(ei).isLessThan(0.011);
    }
}
