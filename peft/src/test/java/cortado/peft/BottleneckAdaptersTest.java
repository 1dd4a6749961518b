package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.peft.bottleneck.BottleneckConfig;
import cortado.peft.bottleneck.BottleneckLayer;
import cortado.peft.bottleneck.BottleneckTuner;
import cortado.peft.bottleneck.FusionConfig;
import cortado.peft.bottleneck.FusionFiles;
import cortado.peft.bottleneck.PhmLayer;
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
 * adapter-hub's bottleneck adapters (Houlsby, Pfeiffer, parallel) on tiny GPT-2, Llama and BERT bases: with a zero
 * up-projection an adapter of any random down-projection leaves the outputs unchanged (and a nonzero one changes
 * them); a fresh parallel adapter (mam_adapter init: up zero) changes nothing and a fresh Houlsby one (bert init,
 * N(0, 0.02)) almost nothing; a few SGD steps lower the loss and move only the adapter's tensors; save and load
 * round-trip the logits exactly under adapter-hub's key names; disabling gives the base; merging is refused.
 * Parity with adapter-hub itself: tests/.../parity/AdapterHubParityTest.
 */
class BottleneckAdaptersTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static CausalLm base(String family, long seed) {
        return family.equals("gpt2") ? TinyModels.gpt2(seed) : TinyModels.llama(seed);
    }

    /** Redraws every adapter tensor N(0, 0.3²); with {@code zeroUp} the up-projection (weight and bias) is zero. */
    private static void perturb(PeftModel peft, long seed, boolean zeroUp) {
        long stream = 0;
        for (Map.Entry<String, Parameter> e : peft.adapterParameters("default").entrySet()) {
            Tensor t = e.getValue().value();
            if (zeroUp && e.getKey().contains(".adapter_up.")) Init.constant(t, 0f);
            else Init.normal(t, 0.3f, seed, stream++);
        }
    }

    /** case = preset_family. */
    @ParameterizedTest
    @ValueSource(strings = {"houlsby_gpt2", "pfeiffer_gpt2", "parallel_gpt2", "houlsby_llama", "pfeiffer_llama",
        "parallel_llama", "compacter_gpt2", "compacter++_llama"})
    void aZeroUpProjectionLeavesTheLogitsUnchanged(String name) {
        String[] p = name.split("_");
        CausalLm model = base(p[1], 3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] before = logits(model, ids);
        // Compacter: reduction 8 so the bottleneck (32 / 8 = 4) divides by phm_dim 4
        BottleneckConfig c = BottleneckConfig.preset(p[0]);
        PeftModel peft = PeftModel.wrap(model, c.phm() == null ? c : c.withReductionFactor(8), 11);
        perturb(peft, 5, true);
        assertThat(TinyModels.relDiff(logits(model, ids), before)).as(name + " zero up").isLessThanOrEqualTo(1e-6);
        perturb(peft, 5, false);
        assertThat(TinyModels.relDiff(logits(model, ids), before)).as(name + " nonzero up").isGreaterThan(1e-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby", "pfeiffer", "parallel"})
    void onBertAZeroUpProjectionLeavesTheLogitsUnchanged(String preset) {
        BertForSequenceClassification bert = TinyModels.bertClassifier(2);
        EncoderBatch batch = TinyModels.encoderBatch(B, T, 4);
        float[] before;
        try (NoGrad ng = NoGrad.enter()) { before = bert.forward(batch).toArray(); }
        PeftModel peft = PeftModel.wrapModule(bert, "bert", BottleneckConfig.preset(preset), 3);
        perturb(peft, 8, true);
        try (NoGrad ng = NoGrad.enter()) {
            assertThat(TinyModels.relDiff(bert.forward(batch).toArray(), before)).as(preset).isLessThanOrEqualTo(1e-6);
            perturb(peft, 8, false);
            assertThat(TinyModels.relDiff(bert.forward(batch).toArray(), before)).as(preset).isGreaterThan(1e-3);
        }
    }

    @Test
    void freshAdaptersStartAtOrNearTheIdentity() {
        int[] ids = TinyModels.ids(B * T, 96, 2);
        CausalLm model = TinyModels.gpt2(6);
        float[] before = logits(model, ids);
        PeftModel.wrap(model, BottleneckConfig.parallel(), 1);
        assertThat(TinyModels.relDiff(logits(model, ids), before)).as("parallel, up zero").isLessThanOrEqualTo(1e-6);
        CausalLm other = TinyModels.gpt2(6);
        PeftModel.wrap(other, BottleneckConfig.houlsby(), 1);
        double d = TinyModels.relDiff(logits(other, ids), before);
        assertThat(d).as("houlsby, N(0, 0.02) projections").isGreaterThan(0).isLessThan(1e-2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby_gpt2", "pfeiffer_llama", "parallel_gpt2"})
    void trainingLowersTheLossAndMovesOnlyTheAdapter(String name) {
        String[] p = name.split("_");
        CausalLm model = base(p[1], 8);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.preset(p[0]), 3);
        Map<String, float[]> before = snapshot(model);
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float first = 0, last = 0;
        for (int step = 0; step <= 12; step++) {
            model.module().namedParameters().values().forEach(x -> x.value().setGrad(null));
            Tensor loss = model.loss(ids, targets, B, T);
            if (step == 0) first = loss.item();
            last = loss.item();
            if (step == 12) break;
            Autograd.backward(loss);
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter x : model.module().namedParameters().values())
                    if (x.trainable() && x.value().grad() != null) x.set(F.sub(x.value(), F.scale(x.value().grad(), 1f)));
            }
        }
        assertThat(last).as(name + " loss after 12 steps").isLessThan(first - 1e-2f);
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream().filter(n -> !Arrays.equals(before.get(n), after.get(n))).toList();
        assertThat(changed).as(name).isNotEmpty()
                .containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet());
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new HashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    @Test
    void saveAndLoadRoundTripUnderAdapterHubsNames() throws Exception {
        CausalLm model = TinyModels.gpt2(4);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.houlsby(), 5);
        perturb(peft, 9, false);
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);
        Map<String, Tensor> saved = Safetensors.load(dir.resolve(BottleneckTuner.WEIGHTS));
        assertThat(saved).hasSize(16).containsKeys(
                "transformer.h.0.attention_adapters.adapters.default.adapter_down.0.weight",
                "transformer.h.1.output_adapters.adapters.default.adapter_up.bias");
        assertThat(saved.get("transformer.h.0.output_adapters.adapters.default.adapter_up.weight").shape())
                .containsExactly(32, 2);
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(BottleneckTuner.CONFIG)));
        assertThat(json).containsEntry("peft_type", "BOTTLENECK").containsEntry("non_linearity", "swish")
                .containsEntry("mh_adapter", true).containsEntry("reduction_factor", 16L);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        PeftModel loaded = AdapterFiles.load(TinyModels.gpt2(4), dir);
        assertThat(logits(loaded.model(), ids)).containsExactly(expected);
        assertThat(loaded.trainableLine()).isEqualTo(peft.trainableLine());
    }

    @Test
    void disablingGivesTheBaseAndMergingIsRefused() throws Exception {
        CausalLm model = TinyModels.llama(2);
        int[] ids = TinyModels.ids(B * T, 96, 7);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.pfeiffer().withReductionFactor(4), 1);
        perturb(peft, 3, false);
        float[] adapted = logits(model, ids);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(logits(model, ids)).containsExactly(plain);
        }
        assertThat(logits(model, ids)).containsExactly(adapted);
        assertThatThrownBy(peft::merge).isInstanceOf(PeftException.class).hasMessageContaining("cannot be merged");
        assertThat(model.module().get("model.layers.1.mlp")).isInstanceOf(BottleneckLayer.class);
        assertThat(model.module().namedModules().values().stream().filter(m -> m instanceof BottleneckLayer).count())
                .as("Pfeiffer: the FFN output of each of 2 layers").isEqualTo(2);
    }

    /**
     * AdapterFusion over a single adapter with the value at the identity: softmax over one score is 1, so the output
     * is that adapter's own, z + residual (Pfeiffer et al. 2021); adapter-hub's init (1e-6 off the diagonal) is within
     * 1e-4 of it. Query and key are random, and do not matter. A value off the identity does. Sequential adapters
     * only: adapter-hub's fusion adds the residual it gets from the last adapter's pre_forward, which for a parallel
     * adapter is the residual stream, added again by its post_forward (checked in adapter-hub 1.2.0: a fused parallel
     * adapter is 0.31 off the adapter alone, a Pfeiffer one 0.0); Cortado does as adapter-hub does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"houlsby_gpt2", "pfeiffer_llama", "pfeiffer_gpt2"})
    void fusionOverOneAdapterWithIdentityValueIsThatAdapter(String name) {
        String[] p = name.split("_");
        CausalLm model = base(p[1], 4);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.preset(p[0]), 2);
        perturb(peft, 6, false);
        int[] ids = TinyModels.ids(B * T, 96, 8);
        float[] alone = logits(model, ids);
        List<String> one = List.of("default");
        BottleneckTuner.addFusion(peft, one, FusionConfig.dynamic(), 3);
        Map<String, Parameter> fusion = BottleneckTuner.activateFusion(peft, one);
        assertThat(TinyModels.relDiff(logits(model, ids), alone)).as("adapter-hub's init").isLessThan(1e-4);
        long stream = 0;
        for (Map.Entry<String, Parameter> e : fusion.entrySet()) {
            Tensor t = e.getValue().value();
            if (e.getKey().endsWith("value.weight")) {
                int c = t.size(0);
                float[] eye = new float[c * c];
                for (int i = 0; i < c; i++) eye[i * c + i] = 1f;
                e.getValue().set(t.backend().fromArray(eye, c, c));
            } else Init.normal(t, 0.5f, 1, stream++);
        }
        assertThat(TinyModels.relDiff(logits(model, ids), alone)).as("identity value").isLessThanOrEqualTo(1e-6);
        fusion.forEach((k, x) -> { if (k.endsWith("value.weight")) Init.normal(x.value(), 0.3f, 2, 0); });
        assertThat(TinyModels.relDiff(logits(model, ids), alone)).as("value off the identity").isGreaterThan(1e-3);
    }

    /** Stage two of AdapterFusion: with two trained adapters frozen, training moves only the fusion layers. */
    @Test
    void fusionTrainingMovesOnlyTheFusionLayers() {
        CausalLm model = TinyModels.gpt2(5);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.houlsby(), 1);
        peft.addAdapter("second", BottleneckConfig.pfeiffer().withReductionFactor(4), 2);
        perturb(peft, 4, false);
        List<String> both = List.of("default", "second");
        BottleneckTuner.addFusion(peft, both, FusionConfig.dynamic(), 3);
        Map<String, Parameter> fusion = BottleneckTuner.activateFusion(peft, both);
        assertThat(fusion).as("Pfeiffer has no attention adapter: fusion only at the FFN of 2 layers").hasSize(10);
        Map<String, float[]> before = snapshot(model);
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float first = 0, last = 0;
        for (int step = 0; step <= 8; step++) {
            model.module().namedParameters().values().forEach(x -> x.value().setGrad(null));
            Tensor loss = model.loss(ids, targets, B, T);
            if (step == 0) first = loss.item();
            last = loss.item();
            if (step == 8) break;
            Autograd.backward(loss);
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter x : model.module().namedParameters().values())
                    if (x.trainable() && x.value().grad() != null) x.set(F.sub(x.value(), F.scale(x.value().grad(), 0.5f)));
            }
        }
        assertThat(last).isLessThan(first);
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream().filter(n -> !Arrays.equals(before.get(n), after.get(n))).toList();
        assertThat(changed).isNotEmpty().allMatch(n -> n.contains(".adapter_fusion_layer."));
        assertThat(changed).hasSize(fusion.size());
    }

    /**
     * The PHM layer's gradients (x, the shared rule, W_left, W_right, b) against central differences, through
     * H = Σ A_i ⊗ (W_left_i W_right_i); every PHM layer of the adapter holds the one rule (Compacter's shared_phm_rule),
     * registered once, and a fresh Compacter (rule N(0, 1e-8)) barely moves the logits.
     */
    @Test
    void thePhmLayerHasCheckedGradientsAndOneSharedRule() {
        CausalLm model = TinyModels.gpt2(2);
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] before = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.compacter().withReductionFactor(4), 6);
        assertThat(TinyModels.relDiff(logits(model, ids), before)).as("fresh Compacter").isLessThan(1e-4);
        BottleneckLayer place = (BottleneckLayer) model.module().get("transformer.h.0.attn");
        PhmLayer down = (PhmLayer) place.adapter("default").down();
        PhmLayer otherUp = (PhmLayer) ((BottleneckLayer) model.module().get("transformer.h.1.mlp")).adapter("default").up();
        assertThat(otherUp.rule()).isSameAs(down.rule());
        assertThat(peft.adapterParameters("default").keySet().stream().filter(k -> k.endsWith("phm_rule")).count())
                .isEqualTo(1);
        List<Parameter> ps = List.copyOf(down.namedParameters().values());   // phm_rule, W_left, W_right, b
        assertThat(ps).hasSize(4);
        Tensor[] inputs = new Tensor[ps.size() + 1];
        inputs[0] = cortado.tensor.Backends.cpu().zeros(3, 32);
        Init.normal(inputs[0], 1f, 9, 0);
        inputs[0].requiresGrad(true);
        for (int i = 0; i < ps.size(); i++) {
            Tensor t = ps.get(i).value().backend().zeros(ps.get(i).shape());
            Init.normal(t, 0.5f, 10, i);
            inputs[i + 1] = t.requiresGrad(true);
        }
        cortado.autograd.GradCheck.check(in -> {
            for (int i = 0; i < ps.size(); i++) ps.get(i).set(in[i + 1]);
            return down.forward(in[0]);
        }, inputs).assertPassed();
    }

    /** Two adapters and their fusion saved (AdapterFiles, FusionFiles) and loaded on a fresh base: the same logits. */
    @Test
    void fusionSaveAndLoadRoundTrip() throws Exception {
        CausalLm model = TinyModels.gpt2(7);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.houlsby(), 1);
        peft.addAdapter("second", BottleneckConfig.houlsby().withReductionFactor(8), 2);
        perturb(peft, 4, false);   // "default" redrawn; "second" keeps its bert init (N(0, 0.02), nonzero)
        List<String> both = List.of("default", "second");
        BottleneckTuner.addFusion(peft, both, FusionConfig.dynamic(), 3);
        Map<String, Parameter> fusion = BottleneckTuner.activateFusion(peft, both);
        long stream = 0;
        for (Parameter x : fusion.values()) Init.normal(x.value(), 0.3f, 8, stream++);
        int[] ids = TinyModels.ids(B * T, 96, 2);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);
        FusionFiles.save(peft, both, FusionConfig.dynamic(), dir.resolve("fusion"));
        assertThat(Safetensors.load(dir.resolve("fusion").resolve(FusionFiles.WEIGHTS)))
                .containsKey("transformer.h.1.attention_adapters.adapter_fusion_layer.default,second.value.weight");
        PeftModel loaded = AdapterFiles.load(TinyModels.gpt2(7), dir);
        AdapterFiles.loadAdapter(loaded, "second", dir.resolve("second"));
        assertThat(FusionFiles.load(loaded, dir.resolve("fusion"))).isEqualTo(both);
        assertThat(logits(loaded.model(), ids)).containsExactly(expected);
    }

    /** Adapters per task in one model: setAdapter swaps which one runs (and trains); deleting one keeps the other. */
    @Test
    void adaptersSwapPerTask() {
        CausalLm model = TinyModels.gpt2(9);
        int[] ids = TinyModels.ids(B * T, 96, 6);
        PeftModel peft = PeftModel.wrap(model, BottleneckConfig.houlsby(), 1);
        perturb(peft, 2, false);
        float[] first = logits(model, ids);
        peft.addAdapter("task2", BottleneckConfig.pfeiffer().withReductionFactor(4), 2);
        for (Map.Entry<String, Parameter> e : peft.adapterParameters("task2").entrySet())
            Init.normal(e.getValue().value(), 0.3f, 3, e.getKey().hashCode());
        float[] second = logits(model, ids);
        assertThat(TinyModels.relDiff(second, first)).isGreaterThan(1e-3);
        assertThat(peft.adapterParameters("task2").values()).allMatch(Parameter::trainable);
        assertThat(peft.adapterParameters("default").values()).noneMatch(Parameter::trainable);
        peft.setAdapter("default");
        assertThat(logits(model, ids)).containsExactly(first);
        peft.setAdapter("task2");
        assertThat(logits(model, ids)).containsExactly(second);
        peft.deleteAdapter("default");
        assertThat(logits(model, ids)).containsExactly(second);
        assertThat(model.module().namedParameters().keySet()).noneMatch(k -> k.contains(".adapters.default."));
    }

    @Test
    void badConfigFilesAreRefusedNamingTheField() throws Exception {
        for (String[] bad : List.of(
                new String[] {"\"ln_before\": true", "ln_before"},
                new String[] {"\"non_linearity\": \"mish\"", "non_linearity"},
                new String[] {"\"residual_before_ln\": 3", "residual_before_ln"},
                new String[] {"\"scaling\": \"learned\"", "scaling"},
                new String[] {"\"shared_W_phm\": true", "shared_W_phm"})) {
            String json = "{\"peft_type\": \"BOTTLENECK\", \"mh_adapter\": false, \"output_adapter\": true, "
                    + "\"reduction_factor\": 16, \"non_linearity\": \"relu\", " + bad[0] + "}";
            Path d = Files.createDirectories(dir.resolve(bad[1]));
            Files.writeString(d.resolve(BottleneckTuner.CONFIG), json.replace("\"non_linearity\": \"relu\", \"non", "\"non"));
            assertThatThrownBy(() -> AdapterFiles.readConfig(d)).as(bad[1]).isInstanceOf(PeftException.class)
                    .hasMessageContaining(BottleneckTuner.CONFIG).hasMessageContaining(bad[1]);
        }
    }
}
