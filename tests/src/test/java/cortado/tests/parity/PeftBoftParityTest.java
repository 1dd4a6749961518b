package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.peft.boft.BOFTConfig;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BOFT against HF PEFT 0.21 (tools/golden/make_peft_boft_golden.py) on the tiny Llama: block size 4 with one factor
 * on the default q and v projections; block size 2 with two butterfly factors on q, o and down projections; 8 blocks
 * with three factors on k and gate projections (peft's butterfly path, which needs its fbd_cuda extension, run through
 * a plain-torch stand-in for it); boft_R redrawn from N(0, 0.3²), boft_s from N(1, 0.1²). Adapters peft saved load
 * here and give peft's logits, active and after merge_and_unload; trainable and total counts equal peft's; the
 * adapter Cortado saves back has exactly peft's keys, shapes and values, and the same config.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. Both sides compute in float32 (Cortado inverts I + S in double where
 * torch solves in float32, and applies the butterfly factor by factor where peft builds M; measured below 1e-6);
 * planted bugs, each caught: the factors applied in reverse order (both butterfly cases), the first permutation of
 * each factor transposed (the three-factor case: factor 1's permutation is its own transpose, only factor 2's is not),
 * boft_s left out of the forward (every case).
 */
class PeftBoftParityTest {
    private static final double TOL = 1e-5;

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"boft_llama_b4", "boft_llama_b2_f2", "boft_llama_num8_f3"})
    void boftAdaptersSavedByPeftGivePeftsLogitsAndSaveBackAsPeftsFiles(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_boft_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path("llama")), Golden.path("peft/" + name));

        AdapterFiles.save(peft, dir);
        Map<String, Tensor> theirs = Safetensors.load(Golden.path("peft/" + name + "/adapter_model.safetensors"));
        Map<String, Tensor> ours = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        assertThat(ours.keySet()).as(name + " keys").containsExactlyInAnyOrderElementsOf(theirs.keySet());
        for (String k : theirs.keySet()) {
            assertThat(ours.get(k).shape()).as(k).containsExactly(theirs.get(k).shape());
            assertThat(ours.get(k).toArray()).as(k).containsExactly(theirs.get(k).toArray());
        }
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(AdapterFiles.readConfig(Golden.path("peft/" + name)));

        try (NoGrad ng = NoGrad.enter()) {
            double active = Golden.relativeToMax(peft.model().forward(ids, b, t).contiguous(), g.get(name + ".logits"));
            assertThat(active).as(name + " logits").isLessThanOrEqualTo(TOL);
            CausalLm merged = peft.mergeAndUnload();
            double unloaded = Golden.relativeToMax(merged.forward(ids, b, t).contiguous(), g.get(name + ".merged"));
            assertThat(unloaded).as(name + " merged").isLessThanOrEqualTo(TOL);
            System.out.printf("peft -> cortado %s: max rel err %.2e, merged %.2e%n", name, active, unloaded);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainableAndTotalCountsEqualPefts() throws Exception {
        Map<String, Object> counts = Json.parseObject(Files.readString(Golden.path("peft_boft_counts.json")));
        assertThat(counts).hasSize(3);
        for (var e : counts.entrySet()) {
            Map<String, Object> c = (Map<String, Object>) e.getValue();
            PeftModel peft = PeftModel.wrap(HfCheckpoint.load(Golden.path("llama")),
                    AdapterFiles.readConfig(Golden.path("peft/" + e.getKey())), 0);
            assertThat(peft.trainableAndAll()).as(e.getKey()).containsExactly((Long) c.get("trainable"), (Long) c.get("total"));
        }
    }

    @Test
    void gpt2sConv1dIsRefusedAsPeftRefusesIt() {
        assertThatThrownBy(() -> PeftModel.wrap(HfCheckpoint.load(Golden.path("gpt2")), BOFTConfig.of(4, 1, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("Conv1D");
    }
}
