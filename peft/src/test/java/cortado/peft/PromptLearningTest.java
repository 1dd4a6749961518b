package cortado.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.lora.LoraConfig;
import cortado.peft.prefixtuning.PrefixTuningConfig;
import cortado.peft.prompt.PromptFields;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompttuning.PromptTuningConfig;
import cortado.peft.ptuning.PromptEncoderConfig;
import cortado.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prompt-learning methods' invariants: training moves exactly the encoder's parameters (the base, every one of its
 * tensors, stays bit for bit); the saved adapter (one tensor, the encoder's output) loads back with the same logits;
 * disabling runs the base alone; the context window shrinks by P; TEXT init copies the text's token embeddings; and
 * what cannot be done (merging, packed rows, a second method) is refused clearly.
 */
class PromptLearningTest {
    @TempDir Path tmp;

    private static final int B = 2, T = 5;

    private static Map<String, PeftConfig> configs() {
        Map<String, PeftConfig> c = new LinkedHashMap<>();
        c.put("prompt tuning", PromptTuningConfig.of(3));
        c.put("p-tuning mlp", PromptEncoderConfig.of(3, "MLP", 8));
        c.put("p-tuning lstm", PromptEncoderConfig.of(2, "LSTM", 6));
        c.put("prefix", PrefixTuningConfig.of(3, false, null));
        c.put("prefix projection", PrefixTuningConfig.of(2, true, 10));
        return c;
    }

    private static Map<String, Supplier<CausalLm>> bases() {
        return Map.of("gpt2", () -> TinyModels.gpt2(3), "llama", () -> TinyModels.llama(4));
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.module().namedParameters().forEach((k, p) -> out.put(k, p.value().toArray()));
        return out;
    }

    /** Two plain gradient steps on what is trainable. */
    private static void train(CausalLm lm, int vocab) {
        int[] ids = TinyModels.ids(B * T, vocab, 11), targets = TinyModels.ids(B * T, vocab, 12);
        for (int step = 0; step < 2; step++) {
            Autograd.backward(lm.loss(ids, targets, B, T));
            try (NoGrad g = NoGrad.enter()) {
                for (Parameter p : lm.module().namedParameters().values()) {
                    if (!p.trainable() || p.value().grad() == null) continue;
                    float[] v = p.value().toArray(), gr = p.value().grad().toArray();
                    for (int i = 0; i < v.length; i++) v[i] -= 0.1f * gr[i];
                    p.set(Tensor.of(v, p.shape()));
                    p.value().setGrad(null);
                }
            }
        }
    }

    private static float[] logits(CausalLm lm, int vocab) {
        try (NoGrad g = NoGrad.enter()) {
            return lm.forward(TinyModels.ids(B * T, vocab, 13), B, T).contiguous().toArray();
        }
    }

    @Test
    void onlyThePromptParametersChangeAndTheSavedAdapterLoadsBack() throws Exception {
        for (var base : bases().entrySet())
            for (var c : configs().entrySet()) {
                String what = c.getKey() + " on " + base.getKey();
                PeftModel peft = PeftModel.wrap(base.getValue().get(), c.getValue(), 5);
                CausalLm lm = peft.model();
                int vocab = lm.config().vocabSize();
                Map<String, float[]> before = snapshot(lm);
                assertThat(peft.adapterParameters("default").keySet()).as(what)
                        .allMatch(k -> k.startsWith("prompt_encoder.default."))
                        .isEqualTo(lm.module().namedParameters().entrySet().stream().filter(e -> e.getValue().trainable())
                                .map(Map.Entry::getKey).collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
                train(lm, vocab);
                Map<String, float[]> after = snapshot(lm);
                before.forEach((k, v) -> {
                    if (k.startsWith("base_model.")) assertThat(after.get(k)).as(what + " " + k).containsExactly(v);
                    else assertThat(after.get(k)).as(what + " " + k + " trains").isNotEqualTo(v);
                });

                Path dir = tmp.resolve(what.replace(' ', '_'));
                AdapterFiles.save(peft, dir);
                Map<String, Tensor> saved = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
                assertThat(saved.keySet()).as(what).containsExactly("prompt_embeddings");
                PeftModel loaded = AdapterFiles.load(base.getValue().get(), dir);
                assertThat(loaded.config("default").peftType()).isEqualTo(c.getValue().peftType());
                lm.module().eval();
                assertThat(TinyModels.relDiff(logits(loaded.model(), vocab), logits(lm, vocab))).as(what)
                        .isLessThanOrEqualTo(1e-6);
                try (AutoCloseable off = loaded.disableAdapters()) {
                    assertThat(logits(loaded.model(), vocab)).as(what + " disabled")
                            .containsExactly(logits(base.getValue().get(), vocab));
                }
                assertThat(lm.config().maxPositions()).isEqualTo(base.getValue().get().config().maxPositions()
                        - ((cortado.peft.prompt.PromptLearningConfig) c.getValue()).fields().numVirtualTokens());
            }
    }

    @Test
    void whatPromptLearningCannotDoIsRefused() {
        PeftModel peft = PeftModel.wrap(TinyModels.gpt2(1), PromptTuningConfig.of(2), 0);
        assertThatThrownBy(peft::merge).isInstanceOf(PeftException.class).hasMessageContaining("nothing to merge");
        assertThatThrownBy(peft::mergeAndUnload).isInstanceOf(PeftException.class);
        assertThatThrownBy(() -> peft.model().forwardPacked(new int[4], new int[4], 1, 4))
                .hasMessageContaining("cannot take prompt learning's virtual tokens");
        assertThatThrownBy(() -> peft.addAdapter("lora", LoraConfig.of(2, 2, null), 0))
                .hasMessageContaining("one method per model");
        assertThatThrownBy(() -> new PromptFields(0, null, null, null, null, null, null, false))
                .hasMessageContaining("num_virtual_tokens");
        assertThatThrownBy(() -> PromptEncoderConfig.of(2, "GRU", null)).hasMessageContaining("MLP (recommended) or LSTM");
    }

    /** A second prompt adapter, of another length, switched to and from (peft's prompt_encoder ModuleDict). */
    @Test
    void adaptersSwitch() {
        CausalLm base = TinyModels.llama(2);
        float[] plain = logits(base, 96);
        PeftModel peft = PeftModel.wrap(base, PromptTuningConfig.of(2), 1);
        float[] first = logits(peft.model(), 96);
        peft.addAdapter("other", PromptTuningConfig.of(3), 2);
        float[] second = logits(peft.model(), 96);
        assertThat(second).isNotEqualTo(first).isNotEqualTo(plain);
        peft.setAdapter("default");
        assertThat(logits(peft.model(), 96)).containsExactly(first);
        assertThat(peft.adapterParameters("default").keySet()).containsExactly("prompt_encoder.default.embedding.weight");
    }

    /** TEXT init: the rows are the base's embeddings of the text's tokens, repeated to fill P. */
    @Test
    void textInitCopiesTheTokensEmbeddings() throws Exception {
        Path tok = Files.createDirectories(tmp.resolve("tok"));
        Files.writeString(tok.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "post_processor": null,
                 "decoder": null, "model": {"type": "BPE", "vocab": {"a": 5, "b": 7, "c": 9}, "merges": []}}
                """, StandardCharsets.UTF_8);
        CausalLm base = TinyModels.gpt2(6);
        PromptTuningConfig c = PromptTuningConfig.of(5).withInit("TEXT", "bca", tok.toString());
        PeftModel peft = PeftModel.wrap(base, c, 0);
        Tensor table = ((PromptLearningLm) peft.model()).encoder("default").output();
        try (NoGrad g = NoGrad.enter()) {
            assertThat(table.toArray()).containsExactly(base.embed(new int[] {7, 9, 5, 7, 9}).toArray());
        }
        assertThat(peft.config("default").toJson(null)).containsEntry("prompt_tuning_init", "TEXT")
                .containsEntry("prompt_tuning_init_text", "bca").containsEntry("tokenizer_name_or_path", tok.toString());
        assertThatThrownBy(() -> PromptTuningConfig.of(5).withInit("TEXT", null, tok.toString()))
                .hasMessageContaining("prompt_tuning_init_text");
    }
}
