package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FourierFT against HF PEFT 0.21 (tools/golden/make_peft_fourierft_golden.py): adapters peft created with
 * init_weights=False (spectrum from N(0, 1)) and saved, on the tiny GPT-2 (default mlp.c_proj, Conv1D; c_attn and
 * c_proj with an n_frequency_pattern and trained biases, bias=fourier_only) and the tiny Llama (four projections),
 * load here and give peft's logits, active and after merge_and_unload; the trainable count is peft's
 * ({@code get_nb_trainable_parameters}); saved again by Cortado, the adapter has exactly peft's tensor keys, values
 * and config fields.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. Both sides compute in float32 from the same spectrum (torch's pocketfft
 * against Cortado's double-sum separable transform; measured at most 7.5e-7). Planted bugs, each failing all three
 * cases: the scaling applied twice, the positions drawn from random_loc_seed + 1 (error 0.18 on the first case), the
 * sine term's sign flipped in the transform (0.14).
 */
class PeftFourierFtParityTest {
    private static final double TOL = 1e-5;

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"fourierft_gpt2_default", "fourierft_gpt2_bias", "fourierft_llama"})
    void fourierFtAdaptersSavedByPeftGivePeftsLogits(String name) throws Exception {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_fourierft_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        String base = name.contains("gpt2") ? "gpt2" : "llama";
        Path peftDir = Golden.path("peft/" + name);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path(base)), peftDir);
        assertThat(peft.trainableAndAll()[0]).as(name + " trainable").isEqualTo(Golden.ints(g.get(name + ".trainable"))[0]);

        AdapterFiles.save(peft, dir);
        Map<String, Tensor> ours = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        Map<String, Tensor> theirs = Safetensors.load(peftDir.resolve(AdapterFiles.WEIGHTS));
        assertThat(ours.keySet()).as(name + " saved keys").containsExactlyInAnyOrderElementsOf(theirs.keySet());
        theirs.forEach((k, v) -> assertThat(ours.get(k).toArray()).as(k).containsExactly(v.toArray()));
        @SuppressWarnings("unchecked") Map<String, Object> ourCfg = (Map<String, Object>) Json.parse(Files.readString(dir.resolve(AdapterFiles.CONFIG)));
        @SuppressWarnings("unchecked") Map<String, Object> theirCfg = (Map<String, Object>) Json.parse(Files.readString(peftDir.resolve(AdapterFiles.CONFIG)));
        assertThat(ourCfg.keySet()).as(name + " config fields").containsExactlyInAnyOrderElementsOf(theirCfg.keySet());
        for (String f : new String[] {"n_frequency", "n_frequency_pattern", "scaling", "random_loc_seed", "bias",
                "fan_in_fan_out", "init_weights", "peft_type"})
            assertThat(ourCfg.get(f)).as(name + " " + f).isEqualTo(theirCfg.get(f));

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
