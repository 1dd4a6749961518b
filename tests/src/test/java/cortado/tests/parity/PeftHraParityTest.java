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
 * HRA against HF PEFT 0.21 (tools/golden/make_peft_hra_golden.py): adapters peft created and saved on the tiny Llama
 * (r 8 on the default q and v projections; r 3 with Gram-Schmidt on q, o and down projections), hra_u redrawn from
 * N(0, 1), load here and give peft's logits, active and after merge_and_unload.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. Both sides compute in float32 (the chain of reflections, then W R, in
 * different summation orders; measured at most 1.5e-6); a reflection left out, applied on the output side or without
 * normalizing u moves the logits by 1e-2 and more. Planted bugs, each caught: the chain multiplied in reverse order in
 * the forward (the default case), the Gram-Schmidt projection dropped (the GS case).
 */
class PeftHraParityTest {
    private static final double TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"hra_llama_default", "hra_llama_gs"})
    void hraAdaptersSavedByPeftGivePeftsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_hra_golden.safetensors"));
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
