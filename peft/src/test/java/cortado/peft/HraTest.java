package cortado.peft;

import static cortado.peft.TinyModels.logits;
import static cortado.peft.TinyModels.sgdSteps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.GradCheck;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.hra.HRAConfig;
import cortado.peft.hra.HRALayer;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HRA on the tiny Llama: a fresh adapter (u in repeated pairs: each reflection undone by its twin) changes nothing; a
 * few SGD steps lower the loss (plain HRA) and move only hra_u (plain and Gram-Schmidt); save and load round-trip the logits exactly; merged, unmerged,
 * disabled and unloaded models agree (1e-4 of the largest logit: W R rounded to float32); the layer's forward has
 * checked gradients, plain and with Gram-Schmidt; GPT-2's Conv1D is refused as peft refuses it.
 */
class HraTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static HRAConfig config(String name) {
        // Gram-Schmidt over peft's paired init orthogonalizes a column against its own twin (noise, normalized), so
        // the unmerge by the same I - 2UUᵀ is off by 4e-4; random u, as peft's init_weights=False draws them
        return name.equals("gs") ? HRAConfig.of(4, TargetModules.of("q_proj", "down_proj")).withGramSchmidt(true)
                .withInitWeights(false) : HRAConfig.of(8, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "gs"})
    void freshAdapterTrainingSaveLoadAndMerging(String name) {
        CausalLm model = TinyModels.llama(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, config(name), 11);
        if (name.equals("plain"))   // even r: the chain starts at the identity (Gram-Schmidt's I - 2UUᵀ does not)
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).isLessThanOrEqualTo(1e-5);
        int[] tids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float before = model.loss(tids, targets, B, T).item();
        Map<String, float[]> snap = new HashMap<>();
        model.module().namedParameters().forEach((n, p) -> snap.put(n, p.value().toArray()));
        sgdSteps(model, 12, 3f);   // a tiny random model's gradients are small: a large step
        float after = model.loss(tids, targets, B, T).item();
        // the Gram-Schmidt form I - 2UUᵀ does not start at the identity and only turns its subspace: no drop asserted
        if (name.equals("plain")) assertThat(after).as(name + " loss").isLessThan(before - 1e-2f);
        List<String> changed = snap.keySet().stream()
                .filter(n -> !Arrays.equals(snap.get(n), model.module().namedParameters().get(n).value().toArray())).toList();
        assertThat(changed).containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet());

        float[] adapted = logits(model, ids);
        AdapterFiles.save(peft, dir);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        CausalLm fresh = TinyModels.llama(3);
        AdapterFiles.load(fresh, dir);
        assertThat(logits(fresh, ids)).containsExactly(adapted);

        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-4);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-4);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("disabled").isLessThan(1e-4);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(TinyModels.relDiff(logits(peft.mergeAndUnload(), ids), adapted)).as("unloaded").isLessThan(1e-4);
    }

    @Test
    void theLayerHasCheckedGradientsAndConv1dIsRefused() {
        for (HRAConfig c : List.of(HRAConfig.of(3, TargetModules.of("q_proj")),
                HRAConfig.of(3, TargetModules.of("q_proj")).withGramSchmidt(true))) {
            CausalLm model = TinyModels.llama(2);
            PeftModel.wrap(model, c, 6);
            HRALayer layer = (HRALayer) model.module().get("model.layers.0.self_attn.q_proj");
            Parameter u = layer.adapterParameters("default").get("hra_u.default");
            Tensor x = Backends.cpu().zeros(3, 32), u0 = Backends.cpu().zeros(32, 3);
            Init.normal(x, 1f, 9, 0);
            Init.normal(u0, 1f, 8, 0);
            GradCheck.check(in -> {
                u.set(in[1]);
                return layer.forward(in[0]);
            }, x.requiresGrad(true), u0.requiresGrad(true)).assertPassed();
        }
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1), HRAConfig.of(4, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("c_attn (Conv1D) is not supported");
    }
}
