package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Embedding;
import cortado.nn.HalfWeight;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.InferenceDType;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models stored in bf16 and f16 by transformers (tools/golden/make_half_golden.py: a tiny Llama with a tied head and a
 * tiny GPT-2, widths multiples of 32), loaded for inference with their matrices kept in 16 bits, against transformers'
 * float32 logits on the same 16-bit-rounded weights: the full forward (B*T = 32 rows: the blocked product that widens
 * tiles of W) and token-by-token cached decoding (2 rows: the fused matrix-vector kernel), then a save that must give
 * the file's bytes back.
 *
 * <p>Tolerance: {@link Golden#compare} (max |Δ|/max |ref| <= 1e-4; per element 2e-5 max|ref| + 1e-4 |ref|), the same
 * as the fp32 parity tests, because both sides multiply exactly the same values in float32 and differ only in
 * summation order; a wrong widening, lane order or transpose is off by far more (a bf16 shift off by one bit
 * changes every weight).
 */
class HalfPrecisionParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama_bf16", "llama_f16", "gpt2_bf16", "gpt2_f16"})
    void sixteenBitWeightsGiveTransformersLogits(String name, @TempDir Path tmp) {
        Path dir = Golden.path("half/" + name);
        DType dtype = name.endsWith("bf16") ? DType.BF16 : DType.F16;
        CausalLm model = HfCheckpoint.loadFrozen(dir, InferenceDType.AUTO);

        // Every matrix is 16-bit; what stays fp32 is the norms and biases (rank 1).
        long half = 0;
        for (Module m : model.module().namedModules().values()) {
            if (m instanceof Linear16bit l) { assertThat(l.weight().dtype()).isEqualTo(dtype); half++; }
            if (m instanceof Embedding e) {
                assertThat(e.frozen()).isInstanceOf(HalfWeight.class);
                assertThat(((HalfWeight) e.frozen()).dtype()).isEqualTo(dtype);
            }
        }
        assertThat(half).isPositive();
        model.module().namedParameters().forEach((n, p) -> assertThat(p.shape()).as(n).hasSize(1));

        Map<String, Tensor> golden = Safetensors.load(Golden.path("half/" + name + "_golden.safetensors"));
        int[] shape = golden.get("input_ids").shape();
        int b = shape[0], t = shape[1], vocab = model.config().vocabSize();
        int[] ids = Golden.ints(golden.get("input_ids"));
        Golden.compare(name + " logits", model.forward(ids, b, t), golden.get("logits"));

        // Decoding: one token per row per step through the KV cache.
        KvCache cache = model.newCache(b, t);
        float[] steps = new float[b * t * vocab];
        for (int s = 0; s < t; s++) {
            int[] step = new int[b];
            for (int r = 0; r < b; r++) step[r] = ids[r * t + s];
            float[] l = model.forward(step, b, 1, cache).toArray();
            for (int r = 0; r < b; r++) System.arraycopy(l, r * vocab, steps, (r * t + s) * vocab, vocab);
        }
        Golden.compare(name + " cached decoding", Tensor.of(steps, b, t, vocab), golden.get("logits"));

        // Saved in its own dtype, every stored tensor comes back byte for byte.
        assertThat(HfCheckpoint.savedDType(model)).isEqualTo(dtype);
        HfCheckpoint.save(model, tmp);
        try (SafetensorsFile orig = Safetensors.read(dir.resolve(HfCheckpoint.WEIGHTS));
             SafetensorsFile saved = Safetensors.read(tmp.resolve(HfCheckpoint.WEIGHTS))) {
            assertThat(saved.names()).isNotEmpty();
            for (String n : saved.names()) {
                assertThat(orig.contains(n)).as(n).isTrue();
                assertThat(saved.dtype(n).dtype()).as(n).isEqualTo(dtype);
                assertThat(saved.shape(n)).as(n).isEqualTo(orig.shape(n));
                assertThat(Arrays.equals(saved.bytes(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        orig.bytes(n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))).as(n + " bytes").isTrue();
            }
        }
        Golden.compare(name + " reloaded", HfCheckpoint.loadFrozen(tmp, InferenceDType.AUTO).forward(ids, b, t),
                golden.get("logits"));
    }

    @Test
    void dtypeOverrideWidensOrNarrowsEveryMatrix() {
        Path dir = Golden.path("half/llama_bf16");
        Map<String, Tensor> golden = Safetensors.load(Golden.path("half/llama_bf16_golden.safetensors"));
        int[] ids = Golden.ints(golden.get("input_ids"));
        // fp32: the training layout, no 16-bit layer, same logits.
        CausalLm fp32 = HfCheckpoint.loadFrozen(dir, InferenceDType.F32);
        assertThat(fp32.module().namedModules().values()).noneMatch(m -> m instanceof Linear16bit);
        Golden.compare("fp32 logits", fp32.forward(ids, 2, 16), golden.get("logits"));
        // bf16 -> f16: every matrix re-rounded to f16 (bf16 values with more than 11 significant bits or outside
        // f16's range change), so the logits move by about f16's precision, not more.
        CausalLm f16 = HfCheckpoint.loadFrozen(dir, InferenceDType.F16);
        assertThat(f16.module().namedModules().values()).anyMatch(m -> m instanceof Linear16bit l
                && l.weight().dtype() == DType.F16);
        assertThat(HfCheckpoint.savedDType(f16)).isEqualTo(DType.F16);
        assertThat(Golden.relativeToMax(f16.forward(ids, 2, 16), golden.get("logits"))).isLessThan(2e-3);
    }
}
