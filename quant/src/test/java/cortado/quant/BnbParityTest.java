package cortado.quant;

import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.tensor.cpu.quant.Adam8bitKernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity with the real bitsandbytes (0.50, built for the CPU by tools/quant/build_bitsandbytes.sh; goldens from
 * tools/quant/bnb_goldens.py): quantize_4bit NF4/FP4 at blocksize 64 with and without compress_statistics (nested
 * blocksize 256), dequantize_4bit, quantize_blockwise with both dynamic maps, int8_vectorwise_quant.
 *
 * <p>Cortado quantizes as bitsandbytes' CUDA kernels do (the checkpoints people load come from GPUs); the CPU library
 * has its own quantizers, so the comparison states exactly where the two may differ and fails on anything else:
 * <ul>
 *   <li>4-bit codes: equal, except (a) all-zero blocks (CUDA: 0 * inf = NaN takes nibble 0; CPU: absmax clamped to
 *   1e-38, nibble of 0.0), (b) FP4's two zeros (the CPU's bucketize puts tiny values of either sign on -0 or +0),
 *   (c) values within 2 ulps of a midpoint between the two codes (CUDA compares with decimal literals, the CPU with
 *   float midpoints). Dequantized values then agree up to those same elements.</li>
 *   <li>Dequantization of the library's own state: bit for bit (Cortado's dequantizer loads CPU-made checkpoints
 *   exactly), but for the sign of zero: FP4's nibble 8 is -0.0 in Cortado, as the CUDA kernel's dDequantizeFP4Tree
 *   returns it, and +0.0 in the CPU library's map. Double quantization: codes equal, offset within 1 ulp (torch's float32 mean against Cortado's float64
 *   mean rounded once), nested absmax within that plus 1 ulp.</li>
 *   <li>8-bit blockwise: the CPU library rounds through a 65536-bin table; {@link Adam8bitKernel#quantizeScaled}
 *   (the table AdamW8bit requantizes with) matches it bit for bit, Cortado's nearest-code quantizer differs by one
 *   code only where the table's code is at most one bin (2/65535) farther from the value than the nearest one.</li>
 * </ul>
 * Regenerate: PYTHONPATH=tools/quant/.bnb /work/venv/bin/python tools/quant/bnb_goldens.py
 */
class BnbParityTest {
    static SafetensorsFile golden;
    static final String[] CASES = {"normal_33x7", "normal_64x96", "normal_9600", "heavy_40x130", "pivots"};

    @BeforeAll
    static void open() throws Exception {
        golden = Safetensors.read(Path.of(BnbParityTest.class.getResource("/quant/bnb_goldens.safetensors").toURI()));
    }

    @AfterAll
    static void close() { golden.close(); }

    static byte[] bytes(String name) { return golden.bytes(name).toArray(ValueLayout.JAVA_BYTE); }

    static float[] floats(String name) { return golden.toFloatTensor(name).toArray(); }

    static void assertBits(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i]))
                throw new AssertionError(what + "[" + i + "]: " + actual[i] + " != bitsandbytes " + expected[i]);
    }

    /** Bit for bit, except that -0.0 equals 0.0: FP4's nibble 8 dequantizes to -0.0 as the CUDA kernel's
     * dDequantizeFP4Tree gives it, the CPU library's map holds +0.0 there. */
    static void assertSameValues(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i]) && !(actual[i] == 0f && expected[i] == 0f))
                throw new AssertionError(what + "[" + i + "]: " + actual[i] + " != bitsandbytes " + expected[i]);
    }

    static void assertUlps(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (Math.abs(actual[i] - expected[i]) > Math.ulp(expected[i]))
                throw new AssertionError(what + "[" + i + "]: " + actual[i] + " != bitsandbytes " + expected[i] + " (> 1 ulp)");
    }

    static int nibble(byte[] packed, int i) { return i % 2 == 0 ? (packed[i / 2] >> 4) & 15 : packed[i / 2] & 15; }

    @Test
    void mapsMatchBitForBit() {
        assertBits(QuantType.NF4.codebook(), floats("map.nf4"), "NF4");
        assertSameValues(QuantType.FP4.codebook(), floats("map.fp4"), "FP4");
        assertBits(DynamicMap.signed(), floats("map.dynamic_signed"), "create_dynamic_map(signed=True)");
        assertBits(DynamicMap.unsigned(), floats("map.dynamic_unsigned"), "create_dynamic_map(signed=False)");
    }

    @Test
    void fourBitCodesMatchExceptWhereTheCpuQuantizerDiffersFromCuda() {
        int compared = 0, allowed = 0;
        for (String c : CASES) {
            float[] x = floats(c + ".input");
            int[] shape = golden.shape(c + ".input");
            for (QuantType t : QuantType.values()) {
                float[] code = t.codebook();
                String key = c + "." + t.bnbName() + ".b64";
                Quantized4bit q = BlockwiseQuantizer.quantize4bit(x, shape, t, 64, false);
                assertBits(q.absmax(), floats(key + ".absmax"), key + ".absmax");
                byte[] theirs = bytes(key + ".packed");
                float[] deq = q.dequantize(), theirDeq = floats(key + ".dequant");
                for (int i = 0; i < x.length; i++) {
                    int a = nibble(q.packed(), i), b = nibble(theirs, i);
                    compared++;
                    if (a == b) {
                        if (Float.floatToIntBits(deq[i]) != Float.floatToIntBits(theirDeq[i]) && !(deq[i] == 0f && theirDeq[i] == 0f))
                            throw new AssertionError(key + ".dequant[" + i + "]: " + deq[i] + " != bitsandbytes " + theirDeq[i]);
                        continue;
                    }
                    float absmax = q.absmax()[i / 64], scaled = x[i] * (1.0f / absmax);
                    float mid = (code[a] + code[b]) / 2;
                    boolean zeroBlock = absmax == 0f;
                    boolean fp4Zeros = t == QuantType.FP4 && code[a] == 0f && code[b] == 0f;
                    boolean onMidpoint = Math.abs(scaled - mid) <= 2 * Math.ulp(mid);
                    if (!(zeroBlock || fp4Zeros || onMidpoint))
                        throw new AssertionError(key + "[" + i + "]: nibble " + a + " != bitsandbytes " + b + " for x/absmax "
                                + scaled + " (not a documented CPU/CUDA difference)");
                    if (Math.abs(deq[i] - theirDeq[i]) > Math.abs(code[a] - code[b]) * absmax)
                        throw new AssertionError(key + ".dequant[" + i + "] differs by more than the code step");
                    allowed++;
                }
            }
            // The Gaussian cases of NF4, what QLoRA quantizes, agree everywhere.
            if (c.startsWith("normal"))
                assertThat(BlockwiseQuantizer.quantize4bit(x, shape, QuantType.NF4, 64, false).packed())
                        .as(c + " NF4").isEqualTo(bytes(c + ".nf4.b64.packed"));
        }
        assertThat(allowed).as("documented differences").isLessThan(compared / 50);
    }

    @Test
    void dequantizingTheLibrarysOwnStateIsExact() {
        for (String c : CASES) {
            int[] shape = golden.shape(c + ".input");
            for (QuantType t : QuantType.values())
                for (boolean dq : new boolean[] {false, true}) {
                    String key = c + "." + t.bnbName() + ".b64" + (dq ? ".dq" : "");
                    DoubleQuantState d = dq ? new DoubleQuantState(bytes(key + ".absmax_codes"), floats(key + ".nested_absmax"),
                            floats(key + ".offset")[0], 256, DynamicMap.signed()) : null;
                    Quantized4bit theirs = new Quantized4bit(t, 64, shape, bytes(key + ".packed"),
                            dq ? null : floats(key + ".absmax"), d);
                    assertSameValues(theirs.dequantize(), floats(key + ".dequant"), key + ".dequant");
                }
        }
    }

    @Test
    void doubleQuantizationMatches() {
        for (String c : CASES) {
            float[] x = floats(c + ".input");
            int[] shape = golden.shape(c + ".input");
            for (QuantType t : QuantType.values()) {
                String key = c + "." + t.bnbName() + ".b64.dq";
                DoubleQuantState d = BlockwiseQuantizer.quantize4bit(x, shape, t, 64, true).doubleQuant();
                assertThat(d.absmaxCodes()).as(key + ".absmax_codes").isEqualTo(bytes(key + ".absmax_codes"));
                assertUlps(new float[] {d.offset()}, floats(key + ".offset"), key + ".offset");
                // nested absmax = max |absmax - offset|: off by the offset's difference plus a rounding
                float[] nested = floats(key + ".nested_absmax");
                for (int i = 0; i < nested.length; i++)
                    assertThat((double) Math.abs(d.nestedAbsmax()[i] - nested[i])).as(key + ".nested_absmax[" + i + "]")
                            .isLessThanOrEqualTo((double) Math.ulp(d.offset()) + Math.ulp(nested[i]));
            }
        }
    }

    @Test
    void eightBitBlockwiseMatchesTheLookupTableAndDiffersFromNearestOnlyNearMidpoints() {
        for (String c : CASES) {
            float[] x = floats(c + ".input");
            int[] shape = golden.shape(c + ".input");
            for (boolean signed : new boolean[] {true, false}) {
                String key = c + (signed ? ".dynamic_signed" : ".dynamic_unsigned") + ".b256";
                float[] map = signed ? DynamicMap.signed() : DynamicMap.unsigned();
                byte[] lut = Adam8bitKernel.lookupTable(map);
                float[] src = x.clone();
                if (!signed) for (int i = 0; i < src.length; i++) src[i] = Math.abs(src[i]);
                Quantized8bit nearest = BlockwiseQuantizer.quantize8bit(src, shape, map, 256);
                assertBits(nearest.scales(), floats(key + ".absmax"), key + ".absmax");
                byte[] theirs = bytes(key + ".codes");
                for (int i = 0; i < src.length; i++) {
                    float absmax = nearest.scales()[i / 256];
                    float scaled = src[i] * (1.0f / absmax);
                    int viaTable = absmax == 0f ? 0 : Adam8bitKernel.quantizeScaled(lut, scaled);
                    int b = theirs[i] & 0xFF, a = nearest.codes()[i] & 0xFF;
                    if (viaTable != b)
                        throw new AssertionError(key + "[" + i + "]: lookup table gives " + viaTable + ", bitsandbytes " + b);
                    if (a != b) {
                        // the table's code is no more than one bin (2/65535) farther from x than the nearest code
                        if (Math.abs(scaled - map[b]) > Math.abs(scaled - map[a]) + 2.0 / 65535)
                            throw new AssertionError(key + "[" + i + "]: nearest code " + a + " vs bitsandbytes " + b
                                    + " for x/absmax " + scaled + ", farther than one table bin");
                    }
                }
                Quantized8bit viaLib = new Quantized8bit(Quantized8bit.Scheme.DYNAMIC_BLOCKWISE, shape, theirs,
                        floats(key + ".absmax"), 256, map);
                assertBits(viaLib.dequantize(), floats(key + ".dequant"), key + ".dequant");
            }
        }
    }

    @Test
    void llmInt8RowsMatch() {
        for (String c : CASES) {
            if (!golden.contains(c + ".int8row.codes")) continue;
            Quantized8bit q = Int8RowQuantizer.quantize(floats(c + ".input"), golden.shape(c + ".input"));
            assertThat(q.codes()).as(c + ".int8row.codes").isEqualTo(bytes(c + ".int8row.codes"));
            assertBits(q.scales(), floats(c + ".int8row.scb"), c + ".int8row.scb");
            assertBits(q.dequantize(), floats(c + ".int8row.dequant"), c + ".int8row.dequant");
        }
    }
}
