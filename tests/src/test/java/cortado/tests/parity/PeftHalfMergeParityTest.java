package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.nn.Linear16bit;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.InferenceDType;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.lora.LoraLayer;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A LoRA adapter merged into a 16-bit base keeps the base 16-bit and stores what peft stores
 * (tools/golden/make_peft_half_merge_golden.py: peft 0.21's merge_and_unload on the tiny bf16 Llama and f16 GPT-2,
 * {@code weight.data += delta}, the float32 sum rounded to nearest even).
 *
 * <p>Tolerance: every merged weight within one 16-bit ulp of peft's, and at most 0.5% of them not identical. The
 * float32 deltas agree to an ulp or two (B A summed in another order), and a 16-bit rounding flips only where
 * W + ΔW lies that close to a rounding boundary, a fraction of about 2^-13 of the values; truncating instead of
 * rounding to nearest, or merging in float32 then keeping the old bits, changes about half of them.
 */
class PeftHalfMergeParityTest {

    @ParameterizedTest
    @CsvSource({"llama_bf16, BF16, 14", "gpt2_f16, F16, 4"})
    void mergingIntoA16BitBaseStoresPeftsRoundedWeights(String name, DType dtype, int layers) {
        Map<String, Tensor> golden = Safetensors.load(Golden.path("peft_half_merge.safetensors"));
        CausalLm base = HfCheckpoint.loadFrozen(Golden.path("half/" + name), InferenceDType.AUTO);
        PeftModel peft = AdapterFiles.load(base, Golden.path("peft_half/" + name));
        long wrapped = base.module().namedModules().values().stream()
                .filter(m -> m instanceof LoraLayer l && l.baseLayer() instanceof Linear16bit).count();
        assertThat(wrapped).as("LoRA wraps the 16-bit layers").isEqualTo(layers);
        CausalLm merged = peft.mergeAndUnload();

        int checked = 0;
        long differ = 0, total = 0;
        String prefix = name + ".";
        for (Map.Entry<String, Tensor> e : golden.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            String path = e.getKey().substring(prefix.length(), e.getKey().length() - ".weight".length());
            assertThat(merged.module().get(path)).as(path + " stays 16-bit").isInstanceOf(Linear16bit.class);
            Linear16bit l = (Linear16bit) merged.module().get(path);
            assertThat(l.weight().dtype()).isEqualTo(dtype);
            float[] mine;
            try (NoGrad ng = NoGrad.enter()) {
                Tensor w = l.decodedWeight();   // [out, in]; transformers' GPT-2 Conv1D stores [in, out]
                mine = (l.fromConv1D() ? w.transpose(0, 1).contiguous() : w).toArray();
            }
            float[] ref = e.getValue().toArray();
            assertThat(mine).hasSameSizeAs(ref);
            for (int i = 0; i < ref.length; i++) {
                if (mine[i] == ref[i]) continue;
                differ++;
                float ulp = halfUlp(dtype, Math.max(Math.abs(ref[i]), Math.abs(mine[i])));
                assertThat(Math.abs(mine[i] - ref[i])).as(path + "[" + i + "]").isLessThanOrEqualTo(ulp);
            }
            total += ref.length;
            checked++;
        }
        assertThat(checked).isEqualTo(layers);
        assertThat((double) differ / total).as(differ + " of " + total + " weights not identical").isLessThanOrEqualTo(0.005);
    }

    /** The spacing of 16-bit values at magnitude x (bf16: 8 significant bits; f16: 11, subnormal below 2^-14). */
    private static float halfUlp(DType dtype, float x) {
        int bits = dtype == DType.BF16 ? 8 : 11;
        int exp = Math.getExponent(Math.max(x, dtype == DType.BF16 ? Float.MIN_NORMAL : 0x1p-14f));
        return (float) Math.scalb(1.0, exp - (bits - 1));
    }
}
