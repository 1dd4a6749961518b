package cortado.peft;

import static cortado.peft.TinyModels.logits;

import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PEFT's own invariants for LoRA (peft's tests/test_common_gpu / testing_common checks): a fresh adapter changes
 * nothing; the logits agree before merging, merged, unmerged and after merge-and-unload; training changes only adapter
 * parameters; disabling adapters gives the base. Tolerance 1e-4 relative to the largest logit: merging moves the
 * summation order (one fused matrix instead of base + low-rank product) and rounds W + ΔW to float32, a few ulps
 * of the weights, while a wrong scaling or a missing transpose moves the logits by 1e-1 and more.
 */
class LoraInvariantsTest {
    private static final int B = 2, T = 5;

    private static LongFunction<CausalLm> base(String family) {
        return family.equals("gpt2") ? TinyModels::gpt2 : TinyModels::llama;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aFreshAdapterLeavesTheOutputsUnchanged(String family) {
        CausalLm model = base(family).apply(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] before = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, LoraConfig.of(4, 8, TargetModules.allLinear()), 11);
        assertThat(logits(model, ids)).containsExactly(before);
        // ... and the adapter is really there: A is drawn (kaiming-uniform within 1/sqrt(in)), B is zero.
        LoraLayer first = (LoraLayer) model.module().namedModules().values().stream()
                .filter(m -> m instanceof LoraLayer).findFirst().orElseThrow();
        float[] a = first.adapterParameters("default").get("lora_A.default.weight").value().toArray();
        double bound = 1 / Math.sqrt(32);
        for (float v : a) assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
        assertThat(Math.abs(a[0]) + Math.abs(a[1])).isGreaterThan(0f);
        assertThat(first.adapterParameters("default").get("lora_B.default.weight").value().toArray()).containsOnly(0f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void logitsAgreeBeforeMergeMergedUnmergedAndUnloaded(String family) {
        CausalLm model = base(family).apply(5);
        int[] ids = TinyModels.ids(B * T, 96, 2);
        float[] plain = logits(model, ids);
        LoraConfig c = LoraConfig.of(4, 8, TargetModules.allLinear()).withInitLoraWeights(false).withRslora(true);
        PeftModel peft = PeftModel.wrap(model, c, 7);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("a non-zero B changes the logits").isGreaterThan(1e-2);

        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-4);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-4);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("adapters disabled").isLessThan(1e-5);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("re-enabled").isLessThan(1e-4);
        CausalLm unloaded = peft.mergeAndUnload();
        assertThat(unloaded.module().namedModules().values()).noneMatch(m -> m instanceof TunerLayer);
        assertThat(unloaded.module().namedParameters().keySet()).noneMatch(n -> n.contains("lora_"));
        assertThat(TinyModels.relDiff(logits(unloaded, ids), adapted)).as("merge_and_unload").isLessThan(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aFewStepsChangeOnlyAdapterParameters(String family) {
        CausalLm model = base(family).apply(8);
        LoraConfig c = LoraConfig.of(4, 8, null).withDropout(0.1);
        PeftModel peft = PeftModel.wrap(model, c, 3);
        model.module().train();
        model.module().seedDropout(1);
        Map<String, float[]> before = snapshot(model);
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        for (int step = 0; step < 3; step++) {
            model.module().dropoutStep(step);
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Autograd.backward(model.loss(ids, targets, B, T));
            try (NoGrad ng = NoGrad.enter()) {   // plain SGD on what is trainable
                for (Parameter p : model.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null)
                        p.set(cortado.autograd.F.sub(p.value(), cortado.autograd.F.scale(p.value().grad(), 0.5f)));
            }
        }
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream()
                .filter(n -> !java.util.Arrays.equals(before.get(n), after.get(n))).toList();
        assertThat(changed).isNotEmpty().allMatch(n -> n.contains(".lora_A.default.") || n.contains(".lora_B.default."));
        // Both A and B of every adapted layer moved (B from zero after the first step).
        assertThat(changed).hasSize(peft.adapterStateDict("default").size());
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new HashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void qloraGradientsReachAdaptersThroughFrozenFourBitLayers(String family) {
        CausalLm model = base(family).apply(9);
        ModelQuantizer.quantize(model, new QuantizeSpec("nf4", 32, true, QuantizeSpec.DEFAULT_SKIP));
        LoraConfig c = LoraConfig.of(4, 8, TargetModules.allLinear()).withInitLoraWeights(false);
        PeftModel peft = PeftModel.wrap(model, c, 2);
        assertThat(model.module().namedModules().values().stream()
                .filter(m -> m instanceof LoraLayer l && l.baseLayer() instanceof Linear4bit)).isNotEmpty();
        int[] ids = TinyModels.ids(B * T, 96, 6);
        Autograd.backward(model.loss(ids, TinyModels.ids(B * T, 96, 7), B, T));
        // The first layer's adapters sit below every other quantized layer: their gradient crossed all of them.
        String layer0 = family.equals("gpt2") ? "transformer.h.0.attn.c_attn" : "model.layers.0.self_attn.q_proj";
        Tensor g = ((LoraLayer) model.module().get(layer0)).adapterParameters("default").get("lora_A.default.weight")
                .value().grad();
        assertThat(g).isNotNull();
        double norm = 0;
        for (float v : g.toArray()) norm += v * v;
        assertThat(norm).isGreaterThan(0);
        assertThat(peft.trainableAndAll()[0]).isEqualTo(peft.adapterTensors("default").values().stream()
                .mapToLong(Tensor::numel).sum());
    }
}
