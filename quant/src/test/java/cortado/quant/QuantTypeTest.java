package cortado.quant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantTypeTest {
    @Test
    void nf4CodebookIsBitsandbytesInIndexOrder() {
        double[] expected = {-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534,
                0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434,
                0.5626170039176941, 0.7229568362236023, 1.0};
        float[] c = QuantType.NF4.codebook();
        assertThat(c).hasSize(16);
        for (int i = 0; i < 16; i++)
            assertThat(Float.floatToRawIntBits(c[i])).as("NF4[%d]", i).isEqualTo(Float.floatToRawIntBits((float) expected[i]));
    }

    @Test
    void fp4CodebookIsSignExponentMantissaOverTwelve() {
        double[] raw = {0, 0.0625, 8, 12, 4, 6, 2, 3, -0.0, -0.0625, -8, -12, -4, -6, -2, -3};
        float[] c = QuantType.FP4.codebook();
        for (int i = 0; i < 16; i++)
            assertThat(Float.floatToRawIntBits(c[i])).as("FP4[%d]", i).isEqualTo(Float.floatToRawIntBits((float) (raw[i] / 12)));
        // Bit 3 is the sign: code i+8 is -code i.
        for (int i = 0; i < 8; i++) assertThat(c[i + 8]).isEqualTo(-c[i]);
    }

    @Test
    void everyCodeQuantizesToItself() {
        for (QuantType t : QuantType.values())
            for (int i = 0; i < 16; i++) {
                int q = t.quantize(t.code(i));
                // FP4 has -0 and 0: both map to nibble 0 (a zero is not negative).
                assertThat(t.code(q)).as("%s code %d", t, i).isEqualTo(t.code(i) == 0f ? 0f : t.code(i));
            }
    }

    @Test
    void valuesGoToTheNearestCodeAndTiesToTheLowerOne() {
        for (QuantType t : QuantType.values()) {
            float[] c = t.codebook();
            java.util.Random rnd = new java.util.Random(7);
            for (int k = 0; k < 100_000; k++) {
                float x = rnd.nextFloat() * 2 - 1;
                float got = c[t.quantize(x)];
                for (float v : c) assertThat(Math.abs(got - x)).as("%s x=%s", t, x).isLessThanOrEqualTo(Math.abs(v - x) + 1e-6f);
            }
        }
        // A value on the kernel's pivot between NF4 codes 14 and 15 goes to the lower code 14.
        assertThat(QuantType.NF4.quantize(0.8614784181118011f)).isEqualTo(14);
        assertThat(QuantType.NF4.quantize(Math.nextUp(0.8614784181118011f))).isEqualTo(15);
        // FP4: the pivot between 2/12 and 3/12 (0.20833333f) goes to 2/12 (nibble 6); negative side keeps the sign.
        assertThat(QuantType.FP4.quantize(0.20833333f)).isEqualTo(6);
        assertThat(QuantType.FP4.quantize(-0.20833333f)).isEqualTo(14);
    }

    @Test
    void vectorEncoderEqualsTheComparisonTree() {
        java.util.List<Float> special = new java.util.ArrayList<>(java.util.List.of(0f, -0f, Float.NaN,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f));
        for (float[] ps : new float[][] {QuantType.NF4_PIVOTS, QuantType.FP4_PIVOTS})
            for (float p : ps)
                for (float v : new float[] {p, -p, Math.nextUp(p), Math.nextDown(p), -Math.nextUp(p), -Math.nextDown(p)})
                    special.add(v);
        java.util.Random rnd = new java.util.Random(3);
        int n = 4096 + 64 * 3 + 7;   // a partial vector and an odd tail
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i < special.size() ? special.get(i) : (float) rnd.nextGaussian() * 0.4f;
        for (QuantType t : QuantType.values()) {
            byte[] packed = new byte[(n + 1) / 2];
            NibbleEncoder.encode(t, x, 0, n, 1f, packed);
            for (int i = 0; i < n; i++) {
                int nib = (i & 1) == 0 ? (packed[i >> 1] & 0xFF) >>> 4 : packed[i >> 1] & 0x0F;
                assertThat(nib).as("%s x=%s (i=%d)", t, x[i], i).isEqualTo(t.quantize(x[i]));
            }
            assertThat(packed[n / 2] & 0x0F).as("odd tail pads quantize(0)").isEqualTo(t.quantize(0f));
        }
    }

    @Test
    void fastDynamicSearchEqualsTheKernelMirror() {
        for (float[] code : new float[][] {DynamicMap.signed(), DynamicMap.unsigned()}) {
            java.util.List<Float> xs = new java.util.ArrayList<>(java.util.List.of(Float.NaN, 0f, -0f, 2f, -2f,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE));
            for (int i = 0; i < 256; i++) {
                float[] around = {code[i], i < 255 ? (code[i] + code[i + 1]) * 0.5f : code[i]};
                for (float a : around) for (float v : new float[] {a, Math.nextUp(a), Math.nextDown(a)}) xs.add(v);
            }
            java.util.Random rnd = new java.util.Random(5);
            for (int k = 0; k < 200_000; k++) xs.add(rnd.nextFloat() * 2 - 1);
            for (int k = 0; k < 50_000; k++) xs.add((float) (rnd.nextGaussian() * 1e-4));
            for (float x : xs)
                assertThat(DynamicMap.quantizeFast(code, x)).as("x=%s", x).isEqualTo(DynamicMap.quantize(code, x));
        }
    }

    @Test
    void unsupportedBlocksizeNamesTheValue() {
        assertThatThrownBy(() -> BlockwiseQuantizer.quantize4bit(new float[100], new int[] {100}, QuantType.NF4, 48, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocksize 48");
        assertThatThrownBy(() -> BlockwiseQuantizer.quantize8bit(new float[100], new int[] {100}, DynamicMap.signed(), 32))
                .hasMessageContaining("blocksize 32");
    }
}
