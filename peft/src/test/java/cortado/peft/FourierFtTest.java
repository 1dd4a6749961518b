package cortado.peft;

import static cortado.peft.TinyModels.logits;
import static cortado.peft.TinyModels.sgdSteps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.GradCheck;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.fourierft.FourierFTConfig;
import cortado.peft.fourierft.FourierFTLayer;
import cortado.peft.fourierft.TorchRandperm;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.nio.file.Files;
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
 * FourierFT on the tiny GPT-2 (Conv1D, fan_in_fan_out) and Llama: a zero-init adapter changes nothing; a few SGD
 * steps lower the loss and move only the spectra; save and load round-trip the logits exactly; merged, unmerged,
 * disabled and unloaded models agree (1e-5 of the largest logit: ΔW added to the weight rounds in float32); the layer's
 * forward has checked gradients; positions, n_frequency_pattern, trainable counts and bad input as peft has them.
 */
class FourierFtTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static CausalLm model(String kind) { return kind.equals("gpt2") ? TinyModels.gpt2(3) : TinyModels.llama(3); }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void freshAdapterTrainingSaveLoadAndMerging(String kind) {
        CausalLm model = model(kind);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] plain = logits(model, ids);
        FourierFTConfig c = FourierFTConfig.of(48, 100.0, null).withInitWeights(true);
        PeftModel peft = PeftModel.wrap(model, c, 11);
        assertThat(logits(model, ids)).as("zero spectrum").containsExactly(plain);
        int targets = kind.equals("gpt2") ? 2 : 4;   // gpt2: mlp.c_proj; llama: q_proj, v_proj per layer
        assertThat(peft.trainableAndAll()[0]).isEqualTo(48L * targets);
        assertThat(peft.config("default")).isEqualTo(c.withTargets(peft.config("default").targetModules())
                .withFanInFanOut(kind.equals("gpt2")).withBaseModel(peft.config("default").baseModelNameOrPath()));

        int[] tids = TinyModels.ids(B * T, 96, 4), tt = TinyModels.ids(B * T, 96, 5);
        float before = model.loss(tids, tt, B, T).item();
        Map<String, float[]> snap = new HashMap<>();
        model.module().namedParameters().forEach((n, p) -> snap.put(n, p.value().toArray()));
        sgdSteps(model, 12, 3f);   // ΔW is spectrum * scaling / (out * in): a large step
        float after = model.loss(tids, tt, B, T).item();
        assertThat(after).as(kind + " loss").isLessThan(before - 1e-2f);
        List<String> changed = snap.keySet().stream()
                .filter(n -> !Arrays.equals(snap.get(n), model.module().namedParameters().get(n).value().toArray())).toList();
        assertThat(changed).containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet())
                .allMatch(n -> n.contains(".fourierft_spectrum."));

        float[] adapted = logits(model, ids);
        AdapterFiles.save(peft, dir);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        CausalLm fresh = model(kind);
        AdapterFiles.load(fresh, dir);
        assertThat(logits(fresh, ids)).containsExactly(adapted);

        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-5);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-5);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("disabled").isLessThan(1e-5);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(TinyModels.relDiff(logits(peft.mergeAndUnload(), ids), adapted)).as("unloaded").isLessThan(1e-5);
    }

    @Test
    void theLayerHasCheckedGradientsAndPeftsPositions() {
        CausalLm model = TinyModels.gpt2(2);
        FourierFTConfig c = new FourierFTConfig(20, 30.0, 5, false, TargetModules.of("c_attn", "mlp.c_proj"), null,
                "none", null, null, null, Map.of("c_attn", 12), false, null, null);
        PeftModel.wrap(model, c, 6);
        FourierFTLayer attn = (FourierFTLayer) model.module().get("transformer.h.0.attn.c_attn");
        FourierFTLayer proj = (FourierFTLayer) model.module().get("transformer.h.1.mlp.c_proj");
        assertThat(attn.adapterParameters("default").get("fourierft_spectrum.default").value().shape()).containsExactly(12);
        assertThat(proj.adapterParameters("default").get("fourierft_spectrum.default").value().shape()).containsExactly(20);
        // peft: indices = randperm(out * in)[:n], row index // in, column index % in (c_proj: in 128, out 32)
        int[] perm = TorchRandperm.randperm(32 * 128, 5);
        int[][] idx = proj.indices("default");
        for (int j = 0; j < 20; j++) {
            assertThat(idx[0][j]).isEqualTo(perm[j] / 128);
            assertThat(idx[1][j]).isEqualTo(perm[j] % 128);
        }
        Parameter s = proj.adapterParameters("default").get("fourierft_spectrum.default");
        Tensor x = Backends.cpu().zeros(3, 128), s0 = Backends.cpu().zeros(20);
        Init.normal(x, 1f, 9, 0);
        Init.normal(s0, 1f, 8, 0);
        GradCheck.check(in -> {
            s.set(in[1]);
            return proj.forward(in[0]);
        }, x.requiresGrad(true), s0.requiresGrad(true)).assertPassed();
    }

    @Test
    void biasesTrainAsAskedAndBadInputIsRefused() {
        PeftModel only = PeftModel.wrap(TinyModels.gpt2(1), FourierFTConfig.of(16, 10.0, null).withBias("fourier_only"), 0);
        assertThat(only.adapterParameters("default").keySet()).contains("transformer.h.0.mlp.c_proj.base_layer.bias")
                .noneMatch(n -> n.contains("c_attn"));
        assertThat(only.trainableAndAll()[0]).isEqualTo(2 * (16 + 32));
        PeftModel all = PeftModel.wrap(TinyModels.gpt2(1), FourierFTConfig.of(16, 10.0, null).withBias("all"), 0);
        assertThat(all.adapterParameters("default").keySet()).contains("transformer.h.0.attn.c_attn.bias");

        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), FourierFTConfig.of(1025, 10.0,
                TargetModules.of("q_proj")), 0)).isInstanceOf(PeftException.class)
                .hasMessageContaining("the value passed is 1025 and the product is 1024");
        assertThatThrownBy(() -> FourierFTConfig.of(0, 1.0, null)).isInstanceOf(PeftException.class)
                .hasMessageContaining("`n_frequency` should be a positive integer");
        assertThatThrownBy(() -> FourierFTConfig.of(8, 1.0, null).withBias("lora_only"))
                .isInstanceOf(PeftException.class).hasMessageContaining("bias must be one of none, all, fourier_only");
    }

    @Test
    void layersToTransformAndExcludeModulesPickTheTargets() throws Exception {
        CausalLm model = TinyModels.llama(1);
        FourierFTConfig c = new FourierFTConfig(8, 2.0, 777, false, TargetModules.of("q_proj", "v_proj", "o_proj"),
                TargetModules.of("o_proj"), "none", null, List.of(1), null, null, false, null, null);
        PeftModel peft = PeftModel.wrap(model, c, 2);
        assertThat(peft.adapterParameters("default").keySet()).containsExactlyInAnyOrder(
                "model.layers.1.self_attn.q_proj.fourierft_spectrum.default",
                "model.layers.1.self_attn.v_proj.fourierft_spectrum.default");
        AdapterFiles.save(peft, dir);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        assertThat(((FourierFTConfig) AdapterFiles.readConfig(dir)).layersToTransform()).containsExactly(1);
    }

    @Test
    void patternKeysResolveAsPeftsRegex() {
        FourierFTConfig c = new FourierFTConfig(10, 1.0, 777, false, null, null, "none", null, null, null,
                new java.util.LinkedHashMap<>(Map.of("model.layers.0.self_attn.q_proj", 3)), false, null, null);
        assertThat(c.nFrequencyFor("model.layers.0.self_attn.q_proj")).as("the whole path, by its own key").isEqualTo(3);
        assertThat(c.nFrequencyFor("model.layers.1.self_attn.q_proj")).isEqualTo(10);
        FourierFTConfig d = new FourierFTConfig(10, 1.0, 777, false, null, null, "none", null, null, null,
                Map.of("q_proj", 4), false, null, null);
        assertThat(d.nFrequencyFor("model.layers.1.self_attn.q_proj")).isEqualTo(4);
        assertThat(d.nFrequencyFor("model.layers.1.self_attn.k_proj")).isEqualTo(10);
        assertThatThrownBy(() -> new FourierFTConfig(10, 1.0, 777, false, null, null, "none", null, null, null,
                Map.of("q_proj(", 4), false, null, null)).isInstanceOf(PeftException.class)
                .hasMessageContaining("n_frequency_pattern key 'q_proj(' is not a valid regex");
    }

    @Test
    void aConfigFileWithABadFieldNamesIt() throws Exception {
        AdapterFiles.save(PeftModel.wrap(TinyModels.llama(2), FourierFTConfig.of(8, 5.0, null), 1), dir);
        Path cfg = dir.resolve(AdapterFiles.CONFIG);
        String good = Files.readString(cfg);
        assertThat(good).contains("\"peft_type\":\"FOURIERFT\"").contains("\"scaling\":5.0");
        Files.writeString(cfg, good.replace("\"random_loc_seed\":777", "\"random_loc_seed\":\"x\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: random_loc_seed must be an integer, got x");
        Files.writeString(cfg, good.replace("\"bias\":\"none\"", "\"bias\":\"lora_only\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: bias must be one of none, all, fourier_only");
    }
}
