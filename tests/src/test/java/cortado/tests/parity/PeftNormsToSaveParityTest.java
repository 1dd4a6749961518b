package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA with the normalization layers in modules_to_save (LongLoRA's trainable norms), written by HF PEFT 0.21
 * (tools/golden/make_peft_norms_to_save_golden.py, tiny GPT-2 and Llama, LoRA B and the norm copies moved off their
 * initial values): peft's adapter loads here and gives peft's logits active, disabled and merged; the trainable counts
 * are peft's (on Llama the entry {@code norm} takes every input_layernorm and post_attention_layernorm too, peft's
 * plain-suffix match); and the adapter Cortado saves back holds exactly peft's tensor names.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5, as PeftParityTest: float32 on both sides through two layers with
 * different summation orders (about 1e-6); a norm copy not used, or used when disabled, moves the logits by 1e-2.
 */
class PeftNormsToSaveParityTest {
    private static final double TOL = 1e-5;

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"norms_gpt2", "norms_llama"})
    void peftsAdapterWithTrainedNormsGivesPeftsLogits(String name) throws Exception {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_norms_to_save_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        String base = name.substring(name.indexOf('_') + 1);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path(base)), Golden.path("peft/" + name));
        long[] counts = peft.trainableAndAll();
        assertThat(counts).as("trainable, all").containsExactly((long) Golden.ints(g.get(name + ".trainable"))[0],
                (long) Golden.ints(g.get(name + ".all"))[0]);
        try (NoGrad ng = NoGrad.enter()) {
            assertThat(Golden.relativeToMax(peft.model().forward(ids, b, t).contiguous(), g.get(name + ".logits")))
                    .as("active").isLessThanOrEqualTo(TOL);
            try (AutoCloseable off = peft.disableAdapters()) {
                assertThat(Golden.relativeToMax(peft.model().forward(ids, b, t).contiguous(), g.get(name + ".disabled")))
                        .as("disabled").isLessThanOrEqualTo(TOL);
            }
            AdapterFiles.save(peft, dir);
            Set<String> peftKeys = Safetensors.load(Golden.path("peft/" + name + "/adapter_model.safetensors")).keySet();
            assertThat(Safetensors.load(dir.resolve("adapter_model.safetensors")).keySet())
                    .as("saved tensor names").containsExactlyInAnyOrderElementsOf(peftKeys);
            assertThat(Golden.relativeToMax(peft.mergeAndUnload().forward(ids, b, t).contiguous(), g.get(name + ".merged")))
                    .as("merged").isLessThanOrEqualTo(TOL);
        }
    }
}
