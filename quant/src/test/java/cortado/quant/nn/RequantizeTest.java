package cortado.quant.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.quant.QuantType;
import cortado.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link QuantizedLinear#requantized}, what a LoRA merge into a quantized base does: the same format and settings, and
 * requantizing the layer's own decoded weight changes no code (so merging a zero delta loses nothing), while a changed
 * weight gets new scales.
 */
class RequantizeTest {
    @ParameterizedTest(name = "{0} blocksize {1} double quant {2}")
    @CsvSource({"nf4, 64, true", "fp4, 32, false", "nf4, 128, false", "int8, 64, false"})
    void requantizingTheDecodedWeightIsLossless(String type, int blocksize, boolean dq) {
        Tensor w = QuantizedLayersTest.random(3, 40, 96);
        QuantizedLinear q = (QuantizedLinear) ModelQuantizer.quantizeLayer(new QuantizeSpec(type, blocksize, dq,
                QuantizeSpec.DEFAULT_SKIP), w, QuantizedLayersTest.random(4, 40), true);
        QuantizedLinear again = q.requantized(q.decodedWeight());
        assertThat(again.getClass()).isEqualTo(q.getClass());
        assertThat(again.fromConv1D()).isTrue();
        assertThat(again.bias().value().toArray()).containsExactly(q.bias().value().toArray());
        // A frozen bias (a PEFT base's) stays frozen through a merge's requantization.
        q.bias().setTrainable(false);
        assertThat(q.requantized(q.decodedWeight()).bias().trainable()).isFalse();
        if (q instanceof Linear4bit l) {
            Linear4bit m = (Linear4bit) again;
            assertThat(m.weight().type()).isEqualTo(QuantType.fromBnbName(type));
            assertThat(m.weight().blocksize()).isEqualTo(blocksize);
            assertThat(m.weight().isDoubleQuantized()).isEqualTo(dq);
            // The same codes, read as values: FP4's -0 decodes to a -0.0 that requantizes as +0 (bitsandbytes' sign
            // test is x < 0), the same value.
            for (long i = 0; i < m.weight().numel(); i++)
                assertThat(m.weight().type().code(m.weight().nibble(i)) == l.weight().type().code(l.weight().nibble(i)))
                        .as("code of element %d", i).isTrue();
        } else {
            assertThat(((Linear8bit) again).weight().codes()).containsExactly(((Linear8bit) q).weight().codes());
        }
        // The codes are the same; the decoded values too, up to an ulp of the recomputed int8 row scale, or up to
        // the 8-bit error of double quantization, which compresses the (already compressed) block scales afresh.
        double tol = dq ? 2e-2 : 1e-6;
        assertClose(again.decodedWeight(), q.decodedWeight(), tol);
        Tensor doubled = cortado.autograd.F.scale(q.decodedWeight(), 2f);
        assertClose(q.requantized(doubled).decodedWeight(), doubled, tol);
        assertThatThrownBy(() -> q.requantized(Tensor.of(new float[96 * 40], 96, 40)))
                .hasMessageContaining("weight is [40, 96]");
    }

    /** max |a - b| <= tol * max |b|. */
    private static void assertClose(Tensor a, Tensor b, double tol) {
        float[] x = a.toArray(), y = b.toArray();
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            num = Math.max(num, Math.abs(x[i] - y[i]));
            den = Math.max(den, Math.abs(y[i]));
        }
        assertThat(num).isLessThanOrEqualTo(tol * den);
    }
}
