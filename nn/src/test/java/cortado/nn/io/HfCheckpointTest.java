package cortado.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {
    @TempDir Path dir;

    static Map<String, Object> gpt2Config() {
        return new LinkedHashMap<>(Map.of("model_type", "gpt2", "vocab_size", 16L, "n_positions", 8L, "n_embd", 8L,
                "n_layer", 2L, "n_head", 2L));
    }

    static Map<String, Object> llamaConfig(boolean tied) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("model_type", "llama", "vocab_size", 16L, "hidden_size", 8L,
                "intermediate_size", 16L, "num_hidden_layers", 1L, "num_attention_heads", 2L, "num_key_value_heads", 1L,
                "max_position_embeddings", 16L));
        m.put("tie_word_embeddings", tied);
        return m;
    }

    private static Map<String, Tensor> weights(CausalLm m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.module().namedParameters().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    private Path writeDir(String name, Map<String, Object> config, Map<String, Tensor> tensors) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), Json.write(config));
        Safetensors.write(d.resolve("model.safetensors"), tensors, Map.of("format", "pt"), DType.F32);
        return d;
    }

    private static void assertSameWeights(CausalLm a, CausalLm b) {
        Map<String, Parameter> pa = a.module().namedParameters(), pb = b.module().namedParameters();
        assertThat(pb.keySet()).containsExactlyElementsOf(pa.keySet());
        pa.forEach((n, p) -> assertThat(pb.get(n).value().toArray()).as(n).containsExactly(p.value().toArray()));
    }

    @Test
    void saveThenLoadIsBitExact() {
        CausalLm m = Models.fromConfig(gpt2Config());
        HfCheckpoint.save(m, dir.resolve("out"));
        CausalLm back = HfCheckpoint.load(dir.resolve("out"));
        assertSameWeights(m, back);
        assertThat(back.config().toHfJson()).isEqualTo(m.config().toHfJson());
        // loaded weights live in ordinary memory, not in the (now closed) mapping
        back.module().namedParameters().values().forEach(p -> assertThat(p.value().storage())
                .isInstanceOf(cortado.tensor.CpuStorage.class));
    }

    @Test
    void shardedSaveWritesAnIndexAndReplacesTheSingleFile() throws IOException {
        CausalLm m = Models.fromConfig(llamaConfig(false));
        Path out = dir.resolve("out");
        Path fresh = dir.resolve("fresh/nested");
        HfCheckpoint.save(m, fresh, DType.F32, 1000);            // sharded into a directory that does not exist yet
        assertSameWeights(m, HfCheckpoint.load(fresh));
        HfCheckpoint.save(m, out);                               // single file first
        HfCheckpoint.save(m, out, DType.F32, 1000);              // then sharded over it
        assertThat(Files.exists(out.resolve("model.safetensors"))).isFalse();
        Map<String, Object> index = Json.parseObject(Files.readString(out.resolve("model.safetensors.index.json")));
        @SuppressWarnings("unchecked") Map<String, Object> wm = (Map<String, Object>) index.get("weight_map");
        assertThat(wm.keySet()).containsExactlyInAnyOrderElementsOf(m.module().namedParameters().keySet());
        assertThat(new java.util.HashSet<>(wm.values()).size()).isGreaterThan(1);
        assertSameWeights(m, HfCheckpoint.load(out));
        HfCheckpoint.save(m, out);                               // and back to one file: shards and index go away
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors");
        }
    }

    @Test
    void gpt2QuirksBareKeysBuffersAndTiedHead() throws IOException {
        CausalLm m = Models.fromConfig(gpt2Config());
        Map<String, Tensor> file = new LinkedHashMap<>();
        weights(m).forEach((n, t) -> file.put(n.substring("transformer.".length()), t));   // GPT2Model keys: h.0..., wte.weight
        file.put("h.0.attn.bias", Tensor.full(1f, 1, 1, 8, 8));                            // old causal-mask buffers
        file.put("h.0.attn.masked_bias", Tensor.scalar(-1e4f));
        file.put("lm_head.weight", weights(m).get("transformer.wte.weight"));              // tied copy
        assertSameWeights(m, HfCheckpoint.load(writeDir("quirks", gpt2Config(), file)));
    }

    @Test
    void tiedLlamaTakesTheHeadFromTheEmbedding() throws IOException {
        CausalLm m = Models.fromConfig(llamaConfig(true));
        Map<String, Tensor> file = weights(m);
        file.remove("lm_head.weight");
        CausalLm back = HfCheckpoint.load(writeDir("tied", llamaConfig(true), file));
        assertThat(back.forward(new int[] {1, 2, 3}, 1, 3).toArray()).containsExactly(m.forward(new int[] {1, 2, 3}, 1, 3).toArray());
    }

    @Test
    void reportsMissingUnexpectedAndMisShapedTensors() throws IOException {
        CausalLm m = Models.fromConfig(gpt2Config());
        Map<String, Tensor> file = weights(m);
        file.remove("transformer.h.1.ln_2.bias");
        file.put("transformer.h.0.extra", Tensor.zeros(2));
        Path d = writeDir("bad", gpt2Config(), file);
        assertThatThrownBy(() -> HfCheckpoint.load(d)).isInstanceOf(CheckpointException.class)
                .hasMessage(d.resolve("model.safetensors") + ": weights do not fit config.json (gpt2): "
                        + "missing transformer.h.1.ln_2.bias; unexpected transformer.h.0.extra (in model.safetensors)");

        Map<String, Object> bigger = gpt2Config();
        bigger.put("vocab_size", 32L);
        Path e = writeDir("shape", bigger, weights(m));
        assertThatThrownBy(() -> HfCheckpoint.load(e)).isInstanceOf(CheckpointException.class)
                .hasMessage(e.resolve("model.safetensors") + ": weights do not fit config.json (gpt2): shape mismatch: "
                        + "transformer.wte.weight is [16, 8] in model.safetensors but the config gives [32, 8]");
    }

    @Test
    void aFailedLoadLeavesTheModelUntouched() throws IOException {
        CausalLm source = Models.fromConfig(gpt2Config(), 1);
        Map<String, Tensor> file = weights(source);
        file.remove("transformer.ln_f.bias");
        Path d = writeDir("partial", gpt2Config(), file);
        CausalLm target = Models.fromConfig(gpt2Config(), 2);
        float[] before = target.module().namedParameters().get("transformer.wte.weight").value().toArray();
        assertThatThrownBy(() -> HfCheckpoint.loadWeights(target, d, true)).hasMessageContaining("missing transformer.ln_f.bias");
        assertThat(target.module().namedParameters().get("transformer.wte.weight").value().toArray()).containsExactly(before);
    }

    @Test
    void reportsBadDirectoriesAndConfigs() throws IOException {
        Path none = dir.resolve("none");
        assertThatThrownBy(() -> HfCheckpoint.load(none)).hasMessage(none + ": no such directory");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> HfCheckpoint.load(empty)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(empty.resolve("config.json") + ": missing");
        Files.writeString(empty.resolve("config.json"), "{\"model_type\": ");
        assertThatThrownBy(() -> HfCheckpoint.load(empty)).hasMessageStartingWith(empty.resolve("config.json") + ": invalid JSON: ");
        Files.writeString(empty.resolve("config.json"), "{\"model_type\": \"bert\"}");
        assertThatThrownBy(() -> HfCheckpoint.load(empty)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(empty.resolve("config.json") + ": ").hasMessageContaining("bert");
        Files.writeString(empty.resolve("config.json"), Json.write(gpt2Config()));
        assertThatThrownBy(() -> HfCheckpoint.load(empty))
                .hasMessage(empty + ": no model.safetensors or model.safetensors.index.json");
    }

    @Test
    void reportsCorruptWeightsAndBrokenIndexes() throws IOException {
        CausalLm m = Models.fromConfig(gpt2Config());
        Path d = writeDir("corrupt", gpt2Config(), weights(m));
        Path w = d.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(w);
        Files.write(w, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> HfCheckpoint.load(d)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(w + ": tensor '").hasMessageContaining("out of range");

        Files.delete(w);
        Path idx = d.resolve("model.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\": {\"transformer.wte.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> HfCheckpoint.load(d))
                .hasMessage(idx + ": shard model-00001-of-00002.safetensors (holding 'transformer.wte.weight') is missing");
        Files.writeString(idx, "{\"weight_map\": {\"transformer.wte.weight\": \"../../etc/passwd\"}}");
        assertThatThrownBy(() -> HfCheckpoint.load(d)).hasMessageContaining("is not a file name in this directory");
    }
}
