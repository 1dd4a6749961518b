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
import cortado.peft.ia3.IA3Config;
import cortado.peft.ia3.IA3Layer;
import cortado.peft.lora.LoraConfig;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * (IA)³ as PEFT's IA3Model: peft's default targets and feed-forward modules per architecture, vectors of ones that
 * change nothing, logits equal unmerged, merged, unmerged again and after merge-and-unload, training that moves only
 * the vectors, PEFT's saved keys and fields, quantized bases. Tolerance 1e-4 relative to the largest logit: merging
 * rounds W ⊙ l to float32 and unmerging divides by l + 1e-8 (peft's), a few ulps of the weights, while a vector
 * applied on the wrong side or not transposed on Conv1D moves the logits by 1e-1 and more.
 */
class IA3InvariantsTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static LongFunction<CausalLm> base(String family) {
        return family.equals("gpt2") ? TinyModels::gpt2 : TinyModels::llama;
    }

    /** Every vector redrawn as 1 + 0.3 N(0, 1), as a trained adapter might look (and as the golden files do). */
    private static void perturb(PeftModel peft, long seed) {
        long stream = 0;
        for (Parameter p : peft.adapterStateDict(PeftModel.DEFAULT).values()) {
            Tensor noise = p.value().backend().zeros(p.shape());
            Init.normal(noise, 0.3f, seed, stream++);
            try (NoGrad ng = NoGrad.enter()) {
                p.set(F.addScalar(noise, 1f));
            }
        }
    }

    private static Map<String, int[]> vectorShapes(PeftModel peft) {
        Map<String, int[]> out = new LinkedHashMap<>();
        peft.adapterStateDict(PeftModel.DEFAULT).forEach((k, p) -> out.put(k, p.shape()));
        return out;
    }

    @Test
    void peftsDefaultTargetsAndFeedforwardModulesPerArchitecture() {
        // GPT-2: c_attn's output [3C, 1] and mlp.c_proj's input [1, 4C] (peft: c_attn, mlp.c_proj; ff mlp.c_proj).
        Map<String, int[]> gpt2 = vectorShapes(PeftModel.wrap(TinyModels.gpt2(1), IA3Config.of(null, null), 0));
        assertThat(gpt2.keySet()).containsExactly("base_model.model.transformer.h.0.attn.c_attn.ia3_l",
                "base_model.model.transformer.h.0.mlp.c_proj.ia3_l", "base_model.model.transformer.h.1.attn.c_attn.ia3_l",
                "base_model.model.transformer.h.1.mlp.c_proj.ia3_l");
        assertThat(gpt2.get("base_model.model.transformer.h.0.attn.c_attn.ia3_l")).containsExactly(96, 1);
        assertThat(gpt2.get("base_model.model.transformer.h.0.mlp.c_proj.ia3_l")).containsExactly(1, 128);
        // Llama: k_proj and v_proj outputs [KV, 1], down_proj's input [1, I] (GQA: 2 KV heads of 8 -> 16).
        Map<String, int[]> llama = vectorShapes(PeftModel.wrap(TinyModels.llama(1), IA3Config.of(null, null), 0));
        assertThat(llama).hasSize(6);
        assertThat(llama.get("base_model.model.model.layers.0.self_attn.k_proj.ia3_l")).containsExactly(16, 1);
        assertThat(llama.get("base_model.model.model.layers.1.self_attn.v_proj.ia3_l")).containsExactly(16, 1);
        assertThat(llama.get("base_model.model.model.layers.0.mlp.down_proj.ia3_l")).containsExactly(1, 64);
        // BERT: key, value, output.dense; feed-forward by peft's plain endswith, so attention.output.dense is one too.
        BertForSequenceClassification bert = TinyModels.bertClassifier(1);
        PeftModel p = PeftModel.wrapModule(bert, "bert", IA3Config.of(null, null), 0);
        Map<String, Boolean> ff = new LinkedHashMap<>();
        bert.namedModules().forEach((n, m) -> { if (m instanceof IA3Layer l && n.contains("layer.0.")) ff.put(n, l.isFeedforward()); });
        assertThat(ff).containsExactly(Map.entry("bert.encoder.layer.0.attention.self.key", false),
                Map.entry("bert.encoder.layer.0.attention.self.value", false),
                Map.entry("bert.encoder.layer.0.attention.output.dense", true),
                Map.entry("bert.encoder.layer.0.output.dense", true));
        assertThat(((IA3Config) p.config("default")).feedforwardModules()).isEqualTo(TargetModules.of("output.dense"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void freshVectorsOfOnesLeaveTheOutputsUnchanged(String family) {
        CausalLm model = base(family).apply(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] before = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, IA3Config.of(TargetModules.allLinear(), null), 11);
        assertThat(logits(model, ids)).containsExactly(before);
        for (Parameter v : peft.adapterStateDict("default").values()) assertThat(v.value().toArray()).containsOnly(1f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void logitsAgreeBeforeMergeMergedUnmergedAndUnloaded(String family) {
        CausalLm model = base(family).apply(5);
        int[] ids = TinyModels.ids(B * T, 96, 2);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, IA3Config.of(null, null), 7);
        perturb(peft, 3);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("vectors away from 1 change the logits").isGreaterThan(1e-2);

        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-4);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-4);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("adapters disabled").isLessThan(1e-5);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        CausalLm unloaded = peft.mergeAndUnload();
        assertThat(unloaded.module().namedModules().values()).noneMatch(m -> m instanceof TunerLayer);
        assertThat(unloaded.module().namedParameters().keySet()).noneMatch(n -> n.contains("ia3_"));
        assertThat(TinyModels.relDiff(logits(unloaded, ids), adapted)).as("merge_and_unload").isLessThan(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aFewStepsChangeOnlyTheVectors(String family) {
        CausalLm model = base(family).apply(8);
        PeftModel peft = PeftModel.wrap(model, IA3Config.of(null, null), 3);
        Map<String, float[]> before = snapshot(model);
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        for (int step = 0; step < 3; step++) {
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Autograd.backward(model.loss(ids, targets, B, T));
            try (NoGrad ng = NoGrad.enter()) {   // plain SGD on what is trainable
                for (Parameter p : model.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null)
                        p.set(F.sub(p.value(), F.scale(p.value().grad(), 0.5f)));
            }
        }
        Map<String, float[]> after = snapshot(model);
        List<String> changed = before.keySet().stream().filter(n -> !Arrays.equals(before.get(n), after.get(n))).toList();
        assertThat(changed).hasSize(peft.adapterStateDict("default").size()).allMatch(n -> n.contains(".ia3_l.default"));
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new HashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void saveAndLoadRoundTripWithPeftsKeysAndFields() throws Exception {
        CausalLm model = TinyModels.gpt2(4);
        IA3Config c = IA3Config.of(TargetModules.of("c_attn", "c_fc", "mlp.c_proj"), TargetModules.of("mlp.c_proj"));
        PeftModel peft = PeftModel.wrap(model, c, 5);
        perturb(peft, 9);
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);

        Map<String, Tensor> saved = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        assertThat(saved).hasSize(6).containsKeys("base_model.model.transformer.h.0.attn.c_attn.ia3_l",
                "base_model.model.transformer.h.1.mlp.c_fc.ia3_l");
        assertThat(saved.get("base_model.model.transformer.h.1.mlp.c_proj.ia3_l").shape()).containsExactly(1, 128);
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(AdapterFiles.CONFIG)));
        assertThat(json).containsEntry("peft_type", "IA3").containsEntry("inference_mode", true)
                .containsEntry("init_ia3_weights", true).containsEntry("fan_in_fan_out", true)   // as peft saves it for Conv1D
                .containsEntry("feedforward_modules", List.of("mlp.c_proj")).containsKey("auto_mapping")
                .doesNotContainKey("r");
        assertThat((List<Object>) json.get("target_modules")).containsExactly("c_attn", "c_fc", "mlp.c_proj");

        PeftModel loaded = AdapterFiles.load(TinyModels.gpt2(4), dir);
        assertThat(loaded.config("default")).isInstanceOf(IA3Config.class);
        assertThat(logits(loaded.model(), ids)).containsExactly(expected);
        assertThat(loaded.trainableLine()).isEqualTo(peft.trainableLine());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void onAFourBitBaseGradientsReachTheVectorsAndMergingIsRefused(String family) {
        CausalLm model = base(family).apply(9);
        ModelQuantizer.quantize(model, new QuantizeSpec("nf4", 32, true, QuantizeSpec.DEFAULT_SKIP));
        PeftModel peft = PeftModel.wrap(model, IA3Config.of(null, null), 2);
        perturb(peft, 1);
        int[] ids = TinyModels.ids(B * T, 96, 6);
        Autograd.backward(model.loss(ids, TinyModels.ids(B * T, 96, 7), B, T));
        String layer0 = family.equals("gpt2") ? "transformer.h.0.attn.c_attn" : "model.layers.0.self_attn.k_proj";
        Tensor g = ((IA3Layer) model.module().get(layer0)).adapterParameters("default").get("ia3_l.default").value().grad();
        assertThat(g).isNotNull();
        double norm = 0;
        for (float v : g.toArray()) norm += v * v;
        assertThat(norm).isGreaterThan(0);
        assertThatThrownBy(peft::merge).isInstanceOf(PeftException.class).hasMessageContaining("merging IA3 into a Linear4bit");
    }

    /** The layer's gradients to its input and to the vector, output and input scaling, Linear and Conv1D bases. */
    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear-ff", "conv1d", "conv1d-ff"})
    void gradientsMatchFiniteDifferences(String kind) {
        boolean ff = kind.endsWith("-ff");
        cortado.nn.Module base = kind.startsWith("linear") ? new cortado.nn.Linear(6, 4, true) : new cortado.nn.Conv1D(6, 4);
        long stream = 0;
        for (Parameter p : base.namedParameters().values()) {
            Init.normal(p.value(), 0.5f, 21, stream++);
            p.setTrainable(false);
        }
        IA3Layer layer = new IA3Layer(base, ff);
        layer.addAdapter("default", false, 5);
        Parameter vector = layer.adapterParameters("default").get("ia3_l.default");
        Tensor x = Tensor.empty(3, 6);
        Init.normal(x, 1f, 22, 0);
        x.requiresGrad(true);
        Tensor l = vector.value().contiguous();
        l.requiresGrad(true);
        cortado.autograd.GradCheck.check(in -> {
            vector.set(in[1]);
            return layer.forward(in[0]);
        }, x, l).assertPassed();
    }

    @Test
    void badConfigsAndMixedMethodsGiveOneClearError() {
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1),
                IA3Config.of(TargetModules.of("q_proj"), TargetModules.of("down_proj")), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("should be a subset of target_modules");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), IA3Config.of(TargetModules.of("qproj"), null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("matched no module");
        PeftModel lora = PeftModel.wrap(TinyModels.llama(1), LoraConfig.of(2, 4, null), 0);
        assertThatThrownBy(() -> lora.addAdapter("ia3", IA3Config.of(null, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("one method per model");
    }

    @Test
    void aSecondAdapterSwitchesAndRegexFeedforwardIsAFullMatch() {
        CausalLm model = TinyModels.llama(2);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        PeftModel peft = PeftModel.wrap(model, IA3Config.of(null, null), 1);
        perturb(peft, 2);
        float[] first = logits(model, ids);
        peft.addAdapter("other", IA3Config.of(TargetModules.regex(".*\\.(up|down)_proj"), TargetModules.regex("up_proj"))
                .withInitIa3Weights(false), 2);
        // up_proj is new and "up_proj" as a regex matches no full name: it scales its output; down_proj keeps the
        // feed-forward role its layer got with the first adapter (peft's update_layer on an existing IA3 layer).
        for (String n : List.of("model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj"))
            assertThat(((IA3Layer) model.module().get(n)).isFeedforward()).as(n).isEqualTo(n.endsWith("down_proj"));
        float[] second = logits(model, ids);
        assertThat(TinyModels.relDiff(second, first)).isGreaterThan(1e-3);
        assertThat(peft.trainableAndAll()[0]).as("only the active adapter trains").isEqualTo(2 * (64 + 64));
        peft.setAdapter("default");
        assertThat(logits(model, ids)).containsExactly(first);
        IA3Layer down = (IA3Layer) model.module().get("model.layers.0.mlp.down_proj");
        down.setActiveAdapters(List.of("other"));
        down.deleteAdapter("other");   // the active one goes: the one left becomes active, as peft's delete_adapter
        assertThat(down.adapterNames()).containsExactly("default");
        assertThat(down.activeAdapters()).containsExactly("default");
        assertThat(down.namedParameters().keySet()).noneMatch(n -> n.contains("other"));
    }
}
