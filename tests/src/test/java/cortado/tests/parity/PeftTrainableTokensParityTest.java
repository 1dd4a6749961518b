package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TRAINABLE_TOKENS against HF PEFT 0.21 (tools/golden/make_peft_trainable_tokens_golden.py): adapters peft created and
 * saved on the tiny Llama (rows 3, 17, 40, 95 of the default target, which peft writes as the string
 * "model.embed_tokens"; rows 0 and 5 with target_modules ["embed_tokens"]), the rows redrawn from N(0, 1), load here
 * and give peft's logits, active and after merge_and_unload; every listed token appears in the input.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. The rows are copied, not computed, so the only difference is the float32
 * forward pass of the base (the other Llama parity tests hold it to 1e-5); a row replaced at the wrong index, or the
 * delta added to the original row instead of replacing it, moves the logits by far more. Planted bug, caught: the
 * delta added to the table's row instead of replacing it.
 */
class PeftTrainableTokensParityTest {
    private static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"trainable_tokens_llama", "trainable_tokens_llama_explicit"})
    void trainableTokensSavedByPeftGivePeftsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_trainable_tokens_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path("llama")), Golden.path("peft/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            double active = Golden.relativeToMax(peft.model().forward(ids, b, t).contiguous(), g.get(name + ".logits"));
            assertThat(active).as(name + " logits").isLessThanOrEqualTo(TOL);
            CausalLm merged = peft.mergeAndUnload();
            double unloaded = Golden.relativeToMax(merged.forward(ids, b, t).contiguous(), g.get(name + ".merged"));
            assertThat(unloaded).as(name + " merged").isLessThanOrEqualTo(TOL);
            System.out.printf("peft -> cortado %s: max rel err %.2e, merged %.2e%n", name, active, unloaded);
        }
    }
}
