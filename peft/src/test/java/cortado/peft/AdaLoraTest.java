package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.GradCheck;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.adalora.AdaLoraAllocation;
import cortado.peft.adalora.AdaLoraConfig;
import cortado.peft.adalora.BudgetSchedule;
import cortado.peft.adalora.OrthogonalRegularization;
import cortado.peft.adalora.SvdLayer;
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
 * AdaLoRA on tiny GPT-2 (Conv1D) and Llama (Linear) bases: a fresh adapter (E zero) changes nothing; training with the
 * allocation moves only A, B and E (never ranknum or the base), and leaves each target's E zero
 * exactly where the final rank_pattern drops a triplet, with target_r kept per target on average; the adapter saves cut
 * to that pattern and loads back with the trained logits; merged, unmerged, disabled and unloaded models agree; the
 * SVD layer and the orthogonal regularization have checked gradients; peft's schedule values and config checks.
 * Tolerance 1e-5 of the largest logit where the saved adapter is narrower than the trained one (the product sums
 * over fewer, zero-free terms: float32 rounding, measured about 1e-7) and 1e-4 for merging (W rounded to float32).
 */
class AdaLoraTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static AdaLoraConfig config(String name) {
        AdaLoraConfig c = AdaLoraConfig.of(4, 2, 12, name.contains("gpt2") ? null : TargetModules.of("q_proj", "v_proj", "down_proj"))
                .withSchedule(2, 3, 2);
        return name.contains("gpt2") ? c.withImportance(0.9, 0.8, 0.2) : c;
    }

    private static CausalLm base(String name, long seed) {
        return name.contains("gpt2") ? TinyModels.gpt2(seed) : TinyModels.llama(seed);
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new HashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    /** SGD in place with the allocation after each update, over the config's total_step. */
    private static void train(PeftModel peft, float lr) {
        CausalLm model = peft.model();
        AdaLoraAllocation allocation = new AdaLoraAllocation(peft);
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        int steps = ((AdaLoraConfig) peft.config("default")).totalStep();
        for (int step = 0; step < steps; step++) {
            Autograd.backward(allocation.loss(model.loss(ids, targets, B, T)));
            for (Parameter p : peft.adapterParameters("default").values())
                p.value().backend().axpyInPlace(p.value(), -lr, p.value().grad());
            allocation.updateAndAllocate(step);
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_gpt2", "adalora_llama"})
    void aFreshAdapterChangesNothing(String name) {
        CausalLm model = base(name, 3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] before = logits(model, ids);
        PeftModel.wrap(model, config(name), 11);
        assertThat(logits(model, ids)).containsExactly(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_gpt2", "adalora_llama"})
    void trainingMovesOnlyTheAdapterAndMasksToTheFinalBudget(String name) {
        CausalLm model = base(name, 8);
        PeftModel peft = PeftModel.wrap(model, config(name), 3);
        Map<String, float[]> before = snapshot(model);
        train(peft, 2f);   // that training lowers the loss is shown on real data by the finetune command's test
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream().filter(n -> !Arrays.equals(before.get(n), after.get(n))).toList();
        Map<String, List<Boolean>> pattern = ((AdaLoraConfig) peft.config("default")).rankPattern();
        // every A and B moves, and every E but one whose triplets were all masked (back to its zero start)
        List<String> moving = peft.adapterParameters("default").keySet().stream().filter(n -> !n.contains(".lora_E.")
                || pattern.get(n.replace(".default", "")).contains(true)).toList();
        assertThat(changed).as(name).containsAll(moving)
                .allMatch(n -> peft.adapterParameters("default").containsKey(n));
        assertThat(changed).noneMatch(n -> n.contains("ranknum"));

        int targets = 0, kept = 0;
        for (Map.Entry<String, cortado.nn.Module> e : model.module().namedModules().entrySet()) {
            if (!(e.getValue() instanceof SvdLayer layer)) continue;
            targets++;
            List<Boolean> keep = pattern.get(e.getKey() + ".lora_E");
            assertThat(keep).as(e.getKey()).hasSize(4);
            float[] values = layer.adapterParameters("default").get("lora_E.default").value().toArray();
            for (int i = 0; i < 4; i++) {
                assertThat(values[i] == 0f).as(e.getKey() + " E[" + i + "] zero").isEqualTo(!keep.get(i));
                if (keep.get(i)) kept++;
            }
        }
        assertThat(kept).as("the final budget: target_r per target").isEqualTo(2 * targets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_gpt2", "adalora_llama"})
    void theAdapterSavesCutToItsRankPatternAndLoadsBack(String name) {
        CausalLm model = base(name, 4);
        PeftModel peft = PeftModel.wrap(model, config(name), 5);
        train(peft, 2f);
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);
        AdaLoraConfig saved = (AdaLoraConfig) AdapterFiles.readConfig(dir);
        assertThat(saved).isEqualTo(peft.config("default"));
        Map<String, Tensor> tensors = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        assertThat(tensors.keySet()).noneMatch(k -> k.contains("ranknum") || k.contains(".default"));
        saved.rankPattern().forEach((key, keep) -> {
            int rank = (int) keep.stream().filter(b -> b).count();
            String module = Tuner.KEY_PREFIX + key.substring(0, key.length() - ".lora_E".length());
            assertThat(tensors.get(module + ".lora_E").shape()).containsExactly(rank, 1);
            assertThat(tensors.get(module + ".lora_A").shape()[0]).isEqualTo(rank);
            assertThat(tensors.get(module + ".lora_B").shape()[1]).isEqualTo(rank);
        });
        CausalLm fresh = base(name, 4);
        PeftModel loaded = AdapterFiles.load(fresh, dir);
        assertThat(TinyModels.relDiff(logits(fresh, ids), expected)).isLessThanOrEqualTo(1e-5);
        // saved again, the loaded (narrower) adapter writes the same tensors
        Path again = dir.resolve("again");
        AdapterFiles.save(loaded, again);
        Safetensors.load(again.resolve(AdapterFiles.WEIGHTS))
                .forEach((k, v) -> assertThat(v.toArray()).as(k).containsExactly(tensors.get(k).toArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_gpt2", "adalora_llama"})
    void mergedUnmergedDisabledAndUnloadedAgree(String name) {
        CausalLm model = base(name, 5);
        int[] ids = TinyModels.ids(B * T, 96, 2);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, config(name).withInitLoraWeights(false), 7);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("a random adapter changes the logits").isGreaterThan(1e-4);
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
        assertThat(TinyModels.relDiff(logits(unloaded, ids), adapted)).as("merge_and_unload").isLessThan(1e-4);
    }

    private static Tensor param(long seed, float std, int... shape) {
        Tensor t = Backends.cpu().zeros(shape);
        Init.normal(t, std, seed, 0);
        return t.requiresGrad(true);
    }

    @Test
    void theSvdLayerAndTheRegularizationHaveCheckedGradients() {
        CausalLm model = TinyModels.llama(2);
        PeftModel.wrap(model, AdaLoraConfig.of(3, 1, 10, TargetModules.of("q_proj")).withInitLoraWeights(false), 6);
        SvdLayer layer = (SvdLayer) model.module().get("model.layers.0.self_attn.q_proj");
        Map<String, Parameter> own = layer.adapterParameters("default");
        List<Parameter> ps = List.copyOf(own.values());
        // A, B and E scaled down so the regularization's norms stay in the smooth range of the float32 check
        Tensor[] inputs = {param(9, 1f, 3, 32), param(1, 0.3f, 3, 32), param(2, 0.3f, 32, 3), param(3, 0.5f, 3, 1)};
        GradCheck.check(in -> {
            for (int i = 0; i < 3; i++) ps.get(i).set(in[i + 1]);
            return layer.forward(in[0]);
        }, inputs).assertPassed();
        GradCheck.check(in -> {
            for (int i = 0; i < 3; i++) ps.get(i).set(in[i]);
            return OrthogonalRegularization.of(own, "default");
        }, inputs[1], inputs[2], inputs[3]).assertPassed();
    }

    @Test
    void theRegularizationIsTheMeanFrobeniusDistanceFromOrthogonal() {
        // A = diag(1, 2): A Aᵀ - I = diag(0, 3), norm 3; B = I: Bᵀ B - I = 0; the mean of the two is 1.5 (E is no term)
        Map<String, Parameter> p = new java.util.LinkedHashMap<>();
        p.put("x.lora_A.default", new Parameter(Backends.cpu().fromArray(new float[] {1, 0, 0, 2}, 2, 2)));
        p.put("x.lora_B.default", new Parameter(Backends.cpu().fromArray(new float[] {1, 0, 0, 1}, 2, 2)));
        p.put("x.lora_E.default", new Parameter(Backends.cpu().fromArray(new float[] {5, 5}, 2, 1)));
        assertThat(OrthogonalRegularization.of(p, "default").item()).isCloseTo(1.5f, org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void peftsBudgetScheduleAndConfigChecks() {
        // b0 24, bT 12, tinit 1, tfinal 2, T 8, deltaT 2: peft's budgets for the golden case (peft_adalora_steps.json)
        BudgetSchedule s = new BudgetSchedule(24, 12, 1, 2, 8, 2);
        int[] budgets = new int[8];
        boolean[] masks = new boolean[8];
        for (int t = 0; t < 8; t++) { budgets[t] = s.at(t).budget(); masks[t] = s.at(t).mask(); }
        assertThat(budgets).containsExactly(24, 24, 18, 14, 12, 12, 12, 12);
        assertThat(masks).containsExactly(false, false, true, false, true, false, true, true);
        assertThatThrownBy(() -> AdaLoraConfig.of(4, 2, 0, null)).hasMessageContaining("total_step");
        assertThatThrownBy(() -> AdaLoraConfig.of(4, 2, 10, null).withSchedule(5, 5, 1))
                .hasMessageContaining("don't allow for a budgeting phase");
        assertThatThrownBy(() -> AdaLoraConfig.of(4, 2, 10, null).withImportance(0.85, 0.85, -1))
                .hasMessageContaining("orth_reg_weight");
        Map<String, Object> json = new java.util.LinkedHashMap<>(AdaLoraConfig.of(4, 2, 10, null).toJson(null));
        json.put("use_dora", true);
        assertThatThrownBy(() -> AdaLoraConfig.fromJson(json, "adapter_config.json"))
                .hasMessageStartingWith("adapter_config.json: use_dora");
        json.put("use_dora", false);
        json.put("rank_pattern", Map.of("m.lora_E", List.of(1L, 2L)));
        assertThatThrownBy(() -> AdaLoraConfig.fromJson(json, "adapter_config.json"))
                .hasMessageContaining("rank_pattern.m.lora_E must be a list of true/false");
    }
}
