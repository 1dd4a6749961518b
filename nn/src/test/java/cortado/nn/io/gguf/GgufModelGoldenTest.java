package cortado.nn.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import cortado.data.tokenizer.GgufVocabulary;
import cortado.data.tokenizer.HfTokenizer;
import cortado.nn.GgmlLinear;
import cortado.nn.Linear16bit;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.CausalLm;
import cortado.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiny models as llama.cpp's tools wrote them (convert_hf_to_gguf.py f16, llama-quantize --pure Q8_0 and Q4_0; see
 * tools/golden/gguf/make_gguf_golden.py) load with the tokenizer from their metadata and decode greedily as
 * transformers does with the files' weights dequantized by gguf-py. Exact: Cortado decodes each block to the same fp32
 * weights and runs the fp32 model, and the golden script checked that no step is a near-tie (top-2 gap > 1e-3).
 */
class GgufModelGoldenTest {
    static final Path DIR = Path.of("src/test/resources/golden/gguf");
    @TempDir Path tmp;

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases(String file) throws Exception {
        Map<String, Object> g = Json.parseObject(Files.readString(DIR.resolve("tiny_greedy.json")));
        return (List<Map<String, Object>>) g.get(file);
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }

    static void greedyMatches(String file, GgufModel gm) throws Exception {
        HfTokenizer tok = GgufVocabulary.fromMetadata(gm.metadata(), file).tokenizer(file);
        for (Map<String, Object> c : cases(file)) {
            int[] prompt = ints(c.get("prompt_ids")), want = ints(c.get("completion_ids"));
            assertThat(tok.encodeForModel((String) c.get("prompt"))).as("%s prompt ids", file).containsExactly(prompt);
            int[] got = new Generator(gm.model()).generate(prompt, want.length, Sampler.greedy(), null, null);
            assertThat(got).as("%s greedy after '%s'", file, c.get("prompt")).containsExactly(want);
        }
    }

    @Test
    void llamaF16() throws Exception {
        GgufModel gm = GgufCheckpoint.load(DIR.resolve("tiny_llama_f16.gguf"));
        assertThat(gm.model().module().namedModules().get("model.layers.0.self_attn.q_proj")).isInstanceOf(Linear16bit.class);
        greedyMatches("tiny_llama_f16.gguf", gm);
    }

    @Test
    void llamaQ8_0() throws Exception {
        GgufModel gm = GgufCheckpoint.load(DIR.resolve("tiny_llama_q8_0.gguf"));
        assertThat(gm.model().module().namedModules().get("model.layers.0.self_attn.k_proj"))
                .isInstanceOfSatisfying(GgmlLinear.class, l -> assertThat(l.weight().type()).isEqualTo(GgmlType.Q8_0));
        greedyMatches("tiny_llama_q8_0.gguf", gm);
    }

    @Test
    void gpt2Q4_0() throws Exception {
        GgufModel gm = GgufCheckpoint.load(DIR.resolve("tiny_gpt2_q4_0.gguf"));
        assertThat(gm.model().module().namedModules().get("transformer.h.0.attn.c_attn"))
                .isInstanceOfSatisfying(GgmlLinear.class, l -> assertThat(l.fromConv1D()).isTrue());
        greedyMatches("tiny_gpt2_q4_0.gguf", gm);
    }

    /**
     * Exported again (its q/k permutation undone on load and redone on export), the f16 llama gives back llama.cpp's
     * f16 tensors byte for byte and the same vocabulary, and its f32 export decodes the same tokens.
     */
    @Test
    void exportRoundTrip() throws Exception {
        String file = "tiny_llama_f16.gguf";
        GgufModel gm = GgufCheckpoint.load(DIR.resolve(file));
        GgufVocabulary v = GgufVocabulary.fromMetadata(gm.metadata(), file);
        Path f16 = tmp.resolve("f16.gguf"), f32 = tmp.resolve("f32.gguf");
        GgufExport.write(gm.model(), v, null, GgmlType.F16, "again", f16);
        try (GgufFile a = GgufFile.open(DIR.resolve(file)); GgufFile b = GgufFile.open(f16)) {
            assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
            for (GgufTensorInfo t : a.tensors().values())
                assertThat(b.bytes(b.tensors().get(t.name()))).as(t.name()).isEqualTo(a.bytes(t));
            for (String k : List.of("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type",
                    "llama.attention.head_count_kv", "llama.embedding_length"))
                assertThat(b.metadata().get(k)).as(k).isEqualTo(a.metadata().get(k));
        }
        GgufExport.write(gm.model(), v, null, GgmlType.F32, "again", f32);
        GgufModel back = GgufCheckpoint.load(f32);
        for (Map<String, Object> c : cases(file)) {
            int[] prompt = ints(c.get("prompt_ids")), want = ints(c.get("completion_ids"));
            assertThat(new Generator(back.model()).generate(prompt, want.length, Sampler.greedy(), null, null))
                    .containsExactly(want);
        }
    }

    @Test
    void unsupportedArchitectureIsNamed() throws Exception {
        Path p = tmp.resolve("falcon.gguf");
        new GgufWriter().string("general.architecture", "falcon").write(p);
        assertThatThrownBy(() -> GgufCheckpoint.load(p)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("general.architecture 'falcon' is not supported");
    }
}
