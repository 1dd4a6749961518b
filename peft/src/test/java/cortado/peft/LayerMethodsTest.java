package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.lntuning.LNTuningConfig;
import cortado.peft.loha.LoHaConfig;
import cortado.peft.lokr.Factorization;
import cortado.peft.lokr.Kronecker;
import cortado.peft.lokr.LoKrConfig;
import cortado.peft.oft.OFTConfig;
import cortado.peft.oft.OFTLayer;
import cortado.peft.vera.VeraConfig;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoHa, LoKr, VeRA, OFT and LN tuning on tiny GPT-2 and Llama bases: a fresh adapter (peft's deterministic init)
 * changes nothing; a few SGD steps on a tiny task lower its loss and move only the adapter's own tensors; save and
 * load round-trip the logits exactly; merged, unmerged, disabled and merged-and-unloaded models agree. Tolerance for
 * merging 1e-4 relative to the largest logit: folding ΔW (or the rotation) into W rounds W to float32, a few ulps,
 * while an adapter applied wrongly moves the logits by 1e-2 and more. The composed deltas get gradient checks.
 */
class LayerMethodsTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    /** The cases: a name, the base family and the config (targets chosen to reach several layer kinds). */
    private static final Map<String, Supplier<PeftConfig>> CONFIGS = Map.of(
            "loha_llama", () -> LoHaConfig.of(4, 8, TargetModules.allLinear()),
            "lokr_llama", () -> LoKrConfig.of(2, 16, TargetModules.of("q_proj", "k_proj", "down_proj")),
            "vera_gpt2", () -> VeraConfig.of(4, null),
            "vera_llama", () -> VeraConfig.of(8, TargetModules.of("q_proj", "v_proj", "up_proj")).withProjection(3, false),
            "oft_llama", () -> OFTConfig.ofBlockSize(8, TargetModules.of("q_proj", "v_proj", "down_proj")),
            "oft_llama_coft_share", () -> OFTConfig.ofBlockSize(8, TargetModules.of("q_proj", "o_proj"))
                    .withConstraint(true, 0.5, true),
            "ln_tuning_gpt2", () -> LNTuningConfig.of(null),
            "ln_tuning_llama", () -> LNTuningConfig.of(null));

    private static CausalLm base(String name, long seed) {
        return name.contains("gpt2") ? TinyModels.gpt2(seed) : TinyModels.llama(seed);
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new HashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    /** Plain SGD on what is trainable for {@code steps} steps; the losses before and after. */
    private static float[] train(CausalLm model, int steps, float lr) {
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float first = 0, last = 0;
        for (int step = 0; step <= steps; step++) {
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Tensor loss = model.loss(ids, targets, B, T);
            if (step == 0) first = loss.item();
            last = loss.item();
            if (step == steps) break;
            Autograd.backward(loss);
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter p : model.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null) p.set(F.sub(p.value(), F.scale(p.value().grad(), lr)));
            }
        }
        return new float[] {first, last};
    }

    @ParameterizedTest
    @ValueSource(strings = {"loha_llama", "lokr_llama", "vera_gpt2", "vera_llama", "oft_llama", "oft_llama_coft_share",
        "ln_tuning_gpt2", "ln_tuning_llama"})
    void aFreshAdapterChangesNothing(String name) {
        CausalLm model = base(name, 3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] before = logits(model, ids);
        PeftModel.wrap(model, CONFIGS.get(name).get(), 11);
        assertThat(TinyModels.relDiff(logits(model, ids), before)).isLessThanOrEqualTo(1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"loha_llama", "lokr_llama", "vera_gpt2", "vera_llama", "oft_llama", "oft_llama_coft_share",
        "ln_tuning_gpt2", "ln_tuning_llama"})
    void trainingLowersTheLossAndMovesOnlyTheAdapter(String name) {
        CausalLm model = base(name, 8);
        PeftModel peft = PeftModel.wrap(model, CONFIGS.get(name).get(), 3);
        Map<String, float[]> before = snapshot(model);
        // A tiny random model's gradients are small (LoKr's W1 and VeRA's λ_b start at zero): a large step size.
        float[] loss = train(model, 12, 3f);
        assertThat(loss[1]).as(name + " loss after 12 steps vs before").isLessThan(loss[0] - 1e-2f);
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream().filter(n -> !Arrays.equals(before.get(n), after.get(n))).toList();
        assertThat(changed).as(name).containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"loha_llama", "lokr_llama", "vera_gpt2", "vera_llama", "oft_llama", "oft_llama_coft_share",
        "ln_tuning_gpt2", "ln_tuning_llama"})
    void saveAndLoadRoundTripTheLogits(String name) {
        CausalLm model = base(name, 4);
        PeftModel peft = PeftModel.wrap(model, CONFIGS.get(name).get(), 5);
        train(model, 3, 0.5f);
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);
        Map<String, Tensor> saved = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        assertThat(saved.keySet()).isEqualTo(peft.adapterStateDict("default").keySet());
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        CausalLm fresh = base(name, 4);
        AdapterFiles.load(fresh, dir);
        assertThat(logits(fresh, ids)).containsExactly(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"loha_llama", "lokr_llama", "vera_gpt2", "vera_llama", "oft_llama", "oft_llama_coft_share",
        "ln_tuning_gpt2", "ln_tuning_llama"})
    void mergedUnmergedDisabledAndUnloadedAgree(String name) {
        CausalLm model = base(name, 5);
        int[] ids = TinyModels.ids(B * T, 96, 2);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, CONFIGS.get(name).get(), 7);
        train(model, 4, 0.5f);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("trained adapter changes the logits").isGreaterThan(1e-4);
        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-4);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-4);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("disabled").isLessThan(1e-4);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        CausalLm unloaded = peft.mergeAndUnload();
        assertThat(unloaded.module().namedModules().values()).noneMatch(m -> m instanceof TunerLayer);
        assertThat(TinyModels.relDiff(logits(unloaded, ids), adapted)).as("merge_and_unload").isLessThan(1e-4);
    }

    @Test
    void layersPeftCannotWrapAreRefusedAsPeftRefusesThem() {
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1), LoHaConfig.of(4, 8, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("c_attn (Conv1D) is not supported");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1), OFTConfig.ofBlockSize(8, TargetModules.of("c_fc")), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("is not supported: OFT wraps Linear");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), LNTuningConfig.of(TargetModules.of("q_proj")), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("LN_TUNING wraps LayerNorm and RMSNorm");
        assertThatThrownBy(() -> new OFTConfig(4, 8, 0, null, false, null, true, null, null, null, false, 6e-5, false,
                true, 5, null, null)).isInstanceOf(PeftException.class).hasMessageContaining("not both");
    }

    @Test
    void peftsFactorizationAndBlockAdjustment() {
        assertThat(Factorization.of(256, -1)).isEqualTo(new Factorization(16, 16));
        assertThat(Factorization.of(128, -1)).isEqualTo(new Factorization(8, 16));
        assertThat(Factorization.of(127, -1)).isEqualTo(new Factorization(1, 127));
        assertThat(Factorization.of(128, 4)).isEqualTo(new Factorization(4, 32));
        assertThat(Factorization.of(37, 4)).isEqualTo(new Factorization(1, 37));
        OFTLayer layer = new OFTLayer(new cortado.nn.Linear(36, 4, false));
        layer.addAdapter("a", OFTConfig.ofBlockSize(5, TargetModules.of("x")), 0);   // 5 does not divide 36: 4 (lower on a tie with 6)
        assertThat(layer.rotation("a").blockSize()).isEqualTo(4);
        assertThat(layer.rotation("a").blocks()).isEqualTo(9);
    }

    private static Tensor param(long seed, float std, int... shape) {
        Tensor t = Backends.cpu().zeros(shape);
        Init.normal(t, std, seed, 0);
        return t.requiresGrad(true);
    }

    @Test
    void kroneckerProductMatchesItsDefinitionAndItsGradientChecks() {
        Tensor a = Backends.cpu().fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Backends.cpu().fromArray(new float[] {0, 1, -1, 2}, 2, 2);
        Tensor k = Kronecker.of(a, b);
        assertThat(k.shape()).containsExactly(4, 6);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int p = 0; p < 2; p++)
                    for (int q = 0; q < 2; q++)
                        assertThat(k.toArray()[(i * 2 + p) * 6 + j * 2 + q]).isEqualTo(a.toArray()[i * 3 + j] * b.toArray()[p * 2 + q]);
        GradCheck.check(in -> Kronecker.of(in[0], in[1]), param(1, 0.5f, 3, 2), param(2, 0.5f, 2, 4)).assertPassed();
    }

    /** LoHa's ΔW, LoKr's decomposed ΔW, VeRA's path and OFT's rotation, through the layers themselves. */
    @Test
    void theLayersDeltasHaveCheckedGradients() {
        Tensor x = param(9, 1f, 3, 32);
        for (PeftConfig c : List.of(LoHaConfig.of(2, 3, TargetModules.of("q_proj")).withInitWeights(false),
                LoKrConfig.of(1, 3, TargetModules.of("q_proj")).withDecomposition(true, -1).withInitWeights("false"),
                VeraConfig.of(4, TargetModules.of("q_proj")).withInitWeights(false),
                OFTConfig.ofBlockSize(4, TargetModules.of("q_proj")).withInitWeights(false))) {
            CausalLm model = TinyModels.llama(2);
            PeftModel peft = PeftModel.wrap(model, c, 6);
            TunerLayer layer = (TunerLayer) model.module().get("model.layers.0.self_attn.q_proj");
            List<Parameter> ps = List.copyOf(layer.adapterParameters("default").values());
            Tensor[] inputs = new Tensor[ps.size() + 1];
            inputs[0] = x;
            for (int i = 0; i < ps.size(); i++) inputs[i + 1] = ps.get(i).value();
            GradCheck.check(in -> {
                for (int i = 0; i < ps.size(); i++) ps.get(i).set(in[i + 1]);
                return layer.forward(in[0]);
            }, inputs).assertPassed();
            assertThat(peft.adapterNames()).containsExactly("default");
        }
    }
}
