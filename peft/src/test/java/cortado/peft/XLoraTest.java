package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.lora.LoraConfig;
import cortado.peft.xlora.XLoraConfig;
import cortado.peft.xlora.XLoraLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * X-LoRA made here from LoRA experts Cortado saved: training steps lower the loss and change only the classifier
 * (the experts and the base stay frozen), save and load round-trip the logits exactly, disabled it is the base, the
 * scalings sum to 1 per token and layer, and the things it does not do are refused with clear errors.
 */
class XLoraTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static CausalLm model(String kind) { return kind.equals("gpt2") ? TinyModels.gpt2(3) : TinyModels.llama(3); }

    /** Two random LoRA experts of {@code kind} saved under dir/e0, dir/e1; the adapters map X-LoRA takes. */
    private Map<String, String> experts(String kind) {
        List<TargetModules> targets = kind.equals("gpt2")
                ? List.of(TargetModules.of("c_attn"), TargetModules.of("c_attn", "c_fc"))
                : List.of(TargetModules.of("q_proj", "v_proj"), TargetModules.of("o_proj", "down_proj"));
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            PeftModel e = PeftModel.wrap(model(kind), LoraConfig.of(4, 8, targets.get(i)).withInitLoraWeights(false), 20 + i);
            Path d = dir.resolve("e" + i);
            AdapterFiles.save(e, d);
            out.put(Integer.toString(i), d.toString());
        }
        return out;
    }

    private static XLoraConfig config(Map<String, String> adapters, int depth, boolean layerwise, Integer topK) {
        return new XLoraConfig(32, adapters, true, false, layerwise, depth, 16, 0.0, 1.0, topK, 0.0, 1.0, null,
                "CAUSAL_LM");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void trainingMovesOnlyTheClassifierAndSaveLoadRoundTrips(String kind) {
        CausalLm model = model(kind);
        int[] ids = TinyModels.ids(B * T, 96, 1), targets = TinyModels.ids(B * T, 96, 2);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, config(experts(kind), 2, kind.equals("llama"), null), 5);
        XLoraLm lm = (XLoraLm) peft.model();
        int classifierParams = 32 * 16 + 16 + 16 * (kind.equals("llama") ? 2 * 4 * 2 : 2) + (kind.equals("llama") ? 16 : 2);
        assertThat(peft.trainableAndAll()[0]).as("classifier only").isEqualTo(classifierParams);

        float[] routed = logits(lm, ids);
        assertThat(TinyModels.relDiff(routed, plain)).as("the experts move the outputs").isGreaterThan(1e-3);
        float[] s = lm.latestScalings().toArray();
        int layers = lm.latestScalings().size(2);
        assertThat(lm.latestScalings().shape()).containsExactly(B, T, layers, 2);
        for (int r = 0; r < s.length; r += 2) assertThat(s[r] + s[r + 1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));

        Map<String, float[]> snap = new HashMap<>();
        lm.module().namedParameters().forEach((n, p) -> snap.put(n, p.value().toArray()));
        float before = lm.loss(ids, targets, B, T).item();
        for (int step = 0; step < 10; step++) {
            lm.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Autograd.backward(lm.loss(ids, targets, B, T));
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter p : lm.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null) p.set(F.sub(p.value(), F.scale(p.value().grad(), 0.5f)));
            }
        }
        float after = lm.loss(ids, targets, B, T).item();
        assertThat(after).as(kind + " loss").isLessThan(before - 1e-3f);
        List<String> changed = snap.keySet().stream()
                .filter(n -> !Arrays.equals(snap.get(n), lm.module().namedParameters().get(n).value().toArray())).toList();
        assertThat(changed).containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet())
                .allMatch(n -> n.startsWith("internal_xlora_classifier.layers."));

        float[] trained = logits(lm, ids);
        Path out = dir.resolve("xlora");
        AdapterFiles.save(peft, out);
        assertThat(out.resolve("0").resolve(AdapterFiles.WEIGHTS)).exists();
        assertThat(out.resolve("1").resolve(AdapterFiles.CONFIG)).exists();
        XLoraConfig saved = (XLoraConfig) AdapterFiles.readConfig(out);
        assertThat(saved.adapters().get("1")).isEqualTo(out.resolve("1").toAbsolutePath().toString());
        assertThat(logits(AdapterFiles.load(model(kind), out).model(), ids)).containsExactly(trained);

        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(logits(lm, ids)).as("disabled").containsExactly(plain);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(peft::merge).hasMessageContaining("no one weight update to merge");
        assertThatThrownBy(() -> lm.forward(ids, B, T, model.newCache(B, T))).hasMessageContaining("newCache made");
        model.module().checkpointActivations(true);
        assertThatThrownBy(() -> lm.loss(ids, targets, B, T)).hasMessageContaining("activation checkpointing");
        model.module().checkpointActivations(false);
    }

    /**
     * Decoding with a KV cache (a prefill, then one token at a time, with a left-padded row) gives the logits of the
     * full forward peft's generate recomputes each step, row by row as each would be alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void decodingWithTheCacheGivesTheFullForwardsLogits(String kind) {
        XLoraLm lm = (XLoraLm) PeftModel.wrap(model(kind), config(experts(kind), 2, true, 1), 9).model();
        int n = 7, v = 96;
        int[] seq = TinyModels.ids(2 * n, v, 3);
        float[] full;
        float[][] alone = new float[2][];
        try (NoGrad ng = NoGrad.enter()) {
            full = lm.forward(seq, 2, n).toArray();
            for (int r = 0; r < 2; r++) alone[r] = lm.forward(Arrays.copyOfRange(seq, r * n, r * n + n), 1, n).toArray();
            var cache = lm.newCache(2, n);
            int prompt = 3;
            // row 1 one token shorter: left-padded by one at the prefill, its tokens shifted right
            cache.pad(new int[] {0, 1});
            int[] pre = {seq[0], seq[1], seq[2], 0, seq[n], seq[n + 1]};
            float[] step = lm.nextTokenLogits(pre, 2, prompt, cache).toArray();
            for (int t = prompt; t < n; t++) {
                assertThat(TinyModels.relDiff(Arrays.copyOfRange(step, 0, v), Arrays.copyOfRange(full, (t - 1) * v, t * v)))
                        .as(kind + " row 0 position " + (t - 1)).isLessThan(1e-5);
                assertThat(TinyModels.relDiff(Arrays.copyOfRange(step, v, 2 * v),
                        Arrays.copyOfRange(alone[1], (t - 2) * v, (t - 1) * v))).as(kind + " row 1 position " + (t - 2))
                        .isLessThan(1e-5);
                if (t == n - 1) break;
                step = lm.nextTokenLogits(new int[] {seq[t], seq[n + t - 1]}, 2, 1, cache).toArray();
            }
        }
    }

    @Test
    void topKChangesTheRoutingButNotTheClassifiersScalings() {
        int[] ids = TinyModels.ids(B * T, 96, 1);
        Map<String, String> e = experts("llama");
        XLoraLm top1 = (XLoraLm) PeftModel.wrap(model("llama"), config(e, 1, true, 1), 7).model();
        XLoraLm dense = (XLoraLm) PeftModel.wrap(model("llama"), config(e, 1, true, null), 7).model();
        float[] a = logits(top1, ids), b = logits(dense, ids);
        // peft applies top_k_lora per layer after the classifier: get_latest_scalings is the same, the outputs are not
        assertThat(top1.latestScalings().toArray()).containsExactly(dense.latestScalings().toArray());
        assertThat(TinyModels.relDiff(a, b)).isGreaterThan(1e-4);
    }

    @Test
    void badInputIsRefusedWithClearErrors() throws Exception {
        Map<String, String> e = experts("gpt2");
        assertThatThrownBy(() -> config(Map.of("a", e.get("0")), 1, false, null))
                .hasMessageContaining("expert names must be 0, 1, ...");
        assertThatThrownBy(() -> config(e, 1, false, 3)).hasMessageContaining("top_k_lora must be between 1 and");
        assertThatThrownBy(() -> new XLoraConfig(32, e, false, true, false, 1, 16, 0, 1, 0, 0, 1, null, null))
                .hasMessageContaining("top_k_lora must be between 1 and");
        Map<String, String> missing = new LinkedHashMap<>(e);
        missing.put("1", dir.resolve("nowhere").toString());
        CausalLm untouched = model("gpt2");
        assertThatThrownBy(() -> PeftModel.wrap(untouched, config(missing, 1, false, null), 1))
                .hasMessageContaining("X-LoRA expert '1'").hasMessageContaining("no such adapter directory");
        assertThat(untouched.module().namedModules().values()).noneMatch(m -> m instanceof TunerLayer);
        Path dora = dir.resolve("dora");
        AdapterFiles.save(PeftModel.wrap(model("gpt2"), LoraConfig.of(4, 8, TargetModules.of("c_attn")).withDora(true), 1), dora);
        assertThatThrownBy(() -> PeftModel.wrap(model("gpt2"), config(Map.of("0", dora.toString()), 1, false, null), 1))
                .hasMessageContaining("DoRA");
        assertThatThrownBy(() -> PeftModel.wrap(model("llama"), config(e, 1, false, null), 1))
                .isInstanceOf(PeftException.class);   // GPT-2 experts on a Llama base
        Path head = dir.resolve("head");
        AdapterFiles.save(PeftModel.wrap(model("llama"), LoraConfig.of(4, 8, TargetModules.of("q_proj", "lm_head")), 1), head);
        assertThatThrownBy(() -> PeftModel.wrap(model("llama"), config(Map.of("0", head.toString()), 1, false, null), 1))
                .hasMessageContaining("adapts the output head lm_head");
        Path x = dir.resolve("x");
        AdapterFiles.save(PeftModel.wrap(model("gpt2"), config(e, 1, false, null), 1), x);
        String json = Files.readString(x.resolve(AdapterFiles.CONFIG)).replaceAll("\"use_trainable_adapters\":\\s*false",
                "\"use_trainable_adapters\": true");
        assertThat(json).contains("\"use_trainable_adapters\": true");
        Files.writeString(x.resolve(AdapterFiles.CONFIG), json);
        assertThatThrownBy(() -> AdapterFiles.readConfig(x)).hasMessageContaining("use_trainable_adapters");
    }
}
