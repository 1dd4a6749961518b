package cortado.quant;

import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 3: bit-for-bit parity with tools/quant/bnb_reference.py, a vectorized numpy/torch reference that follows
 * bitsandbytes' published algorithm (kernels' comparison trees and search, create_dynamic_map with torch.linspace,
 * quantize_4bit with compress_statistics, int8_vectorwise_quant). Tolerance: none; every byte and every float's bits.
 * Regenerate: /work/venv/bin/python tools/quant/bnb_reference.py
 */
class BnbReferenceParityTest {
    static SafetensorsFile golden;
    static final String[] CASES = {"normal_33x7", "normal_64x96", "normal_9600", "heavy_40x130", "pivots"};

    @BeforeAll
    static void open() throws Exception {
        golden = Safetensors.read(Path.of(BnbReferenceParityTest.class.getResource("/quant/bnb_goldens.safetensors").toURI()));
    }

    @AfterAll
    static void close() { golden.close(); }

    static byte[] bytes(String name) { return golden.bytes(name).toArray(ValueLayout.JAVA_BYTE); }

    static float[] floats(String name) { return golden.toFloatTensor(name).toArray(); }

    static void assertBits(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i]))
                throw new AssertionError(what + "[" + i + "]: " + actual[i] + " != reference " + expected[i]);
    }

    static void assertBytes(byte[] actual, byte[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (actual[i] != expected[i])
                throw new AssertionError(what + "[" + i + "]: " + (actual[i] & 0xFF) + " != reference " + (expected[i] & 0xFF));
    }

    @Test
    void codeMapsMatchBitForBit() {
        assertBits(QuantType.NF4.codebook(), floats("map.nf4"), "NF4");
        assertBits(QuantType.FP4.codebook(), floats("map.fp4"), "FP4");
        assertBits(DynamicMap.signed(), floats("map.dynamic_signed"), "create_dynamic_map(signed=True)");
        assertBits(DynamicMap.unsigned(), floats("map.dynamic_unsigned"), "create_dynamic_map(signed=False)");
    }

    @Test
    void fourBitCodesAbsmaxNestedStateAndDequantizationMatch() {
        int checked = 0, dequantized = 0;
        for (String c : CASES) {
            float[] x = floats(c + ".input");
            int[] shape = golden.shape(c + ".input");
            for (QuantType t : QuantType.values())
                for (int bs : new int[] {32, 64, 256, 4096})
                    for (boolean dq : new boolean[] {false, true}) {
                        String key = c + "." + t.bnbName() + ".b" + bs + (dq ? ".dq" : "");
                        Quantized4bit q = BlockwiseQuantizer.quantize4bit(x, shape, t, bs, dq);
                        assertBytes(q.packed(), bytes(key + ".packed"), key + ".packed");
                        if (dq) {
                            assertBytes(q.doubleQuant().absmaxCodes(), bytes(key + ".absmax_codes"), key + ".absmax_codes");
                            assertBits(q.doubleQuant().nestedAbsmax(), floats(key + ".nested_absmax"), key + ".nested_absmax");
                            assertBits(new float[] {q.doubleQuant().offset()}, floats(key + ".offset"), key + ".offset");
                        } else {
                            assertBits(q.absmax(), floats(key + ".absmax"), key + ".absmax");
                        }
                        if (golden.contains(key + ".dequant")) {
                            assertBits(q.dequantize(), floats(key + ".dequant"), key + ".dequant");
                            dequantized++;
                        }
                        checked++;
                    }
        }
        assertThat(checked).isEqualTo(CASES.length * 16);
        assertThat(dequantized).isEqualTo(CASES.length * 10);   // every double-quant case, plain ones at 64
    }

    @Test
    void eightBitBlockwiseMatchesWithBothMaps() {
        List<String> cases = new ArrayList<>(List.of(CASES));
        cases.add("midpoints8");
        for (String c : cases) {
            float[] x = floats(c + ".input");
            int[] shape = golden.shape(c + ".input");
            for (boolean signed : new boolean[] {true, false}) {
                String key = c + (signed ? ".dynamic_signed" : ".dynamic_unsigned") + ".b256";
                if (!golden.contains(key + ".codes")) continue;
                float[] src = x.clone();
                if (!signed) for (int i = 0; i < src.length; i++) src[i] = Math.abs(src[i]);
                Quantized8bit q = BlockwiseQuantizer.quantize8bit(src, shape, signed ? DynamicMap.signed() : DynamicMap.unsigned(), 256);
                assertBytes(q.codes(), bytes(key + ".codes"), key + ".codes");
                assertBits(q.scales(), floats(key + ".absmax"), key + ".absmax");
                assertBits(q.dequantize(), floats(key + ".dequant"), key + ".dequant");
            }
        }
    }

    @Test
    void llmInt8RowsMatch() {
        for (String c : CASES) {
            if (!golden.contains(c + ".int8row.codes")) continue;
            Quantized8bit q = Int8RowQuantizer.quantize(floats(c + ".input"), golden.shape(c + ".input"));
            assertBytes(q.codes(), bytes(c + ".int8row.codes"), c + ".int8row.codes");
            assertBits(q.scales(), floats(c + ".int8row.scb"), c + ".int8row.scb");
            assertBits(q.dequantize(), floats(c + ".int8row.dequant"), c + ".int8row.dequant");
        }
    }
}
