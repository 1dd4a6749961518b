package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import cortado.nn.embed.SentenceTransformer;
import cortado.nn.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embeddings of sentence-transformers directories against sentence-transformers 6.0's {@code encode} (golden from
 * tools/golden/make_sentence_transformers_golden.py): st_mean in ST 6's own layout (mean pooling, Normalize,
 * truncation to 12 tokens), st_cls_max in the ST 2-5 layout most hub models use (do_lower_case on a cased tokenizer,
 * cls + max pooling concatenated), st_weighted_dense (weightedmean + lasttoken, then Dense with Tanh and bias, Dense
 * with GELU, no bias and a projected residual, Normalize), st_prompt (mean + mean_sqrt_len_tokens + cls with
 * include_prompt false, a default prompt "query: " from config_sentence_transformers.json, Dense Identity with an
 * identity residual, Normalize); 8 sentences of 1 to 25 words in batches of 3 (so rows are padded).
 *
 * <p>Tolerance: |cortado - st| <= 1e-5 per element. The vectors are the BERT hidden states of BertParityTest pooled
 * (means, maxima: no amplification) and, for st_mean, divided by their norm (unit vectors, entries below 1), so the
 * float32 reordering noise stays near 1e-6 as there; a tokenization difference or a padded token counted in the
 * pool moves entries by 1e-2 and more. The Dense layers (widths 96, 64 -> 24 -> 16) add one small GEMM each, whose
 * float32 rounding stays at the same level.
 */
class SentenceTransformerParityTest {
    private static final double TOL = 1e-5;

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @ValueSource(strings = {"st_mean", "st_cls_max", "st_weighted_dense", "st_prompt"})
    void embeddingsMatchSentenceTransformers(String name) throws IOException {
        Map<String, Object> golden = Json.parseObject(Files.readString(Golden.path("st_golden.json")));
        List<String> sentences = (List<String>) golden.get("sentences");
        List<List<Number>> expected = (List<List<Number>>) golden.get(name);
        SentenceTransformer st = SentenceTransformer.load(Golden.path(name));
        float[][] got = st.encode(sentences, 3);
        assertThat(got.length).isEqualTo(expected.size());
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as(name + " dimension of sentence " + i).hasSize(expected.get(i).size());
            for (int j = 0; j < got[i].length; j++) {
                double err = Math.abs(got[i][j] - expected.get(i).get(j).doubleValue());
                worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
            }
        }
        System.out.printf("sentence-transformers parity %s: max |diff| %.2e%n", name, worst);
        assertThat(worst).as(name + " max |diff|").isLessThanOrEqualTo(TOL);
    }

    @Test
    void readsEachLayoutsSettings() {
        SentenceTransformer mean = SentenceTransformer.load(Golden.path("st_mean"));
        assertThat(mean.maxSeqLength()).isEqualTo(12);
        assertThat(mean.normalizes()).isTrue();
        assertThat(mean.pooling().modes()).containsExactly("mean");
        SentenceTransformer legacy = SentenceTransformer.load(Golden.path("st_cls_max"));
        assertThat(legacy.maxSeqLength()).isEqualTo(32);
        assertThat(legacy.normalizes()).isFalse();
        assertThat(legacy.pooling().modes()).containsExactly("cls", "max");
        SentenceTransformer dense = SentenceTransformer.load(Golden.path("st_weighted_dense"));
        assertThat(dense.pooling().modes()).containsExactly("weightedmean", "lasttoken");
        assertThat(dense.steps()).hasSize(3);
        assertThat(dense.normalizes()).isTrue();
        SentenceTransformer prompt = SentenceTransformer.load(Golden.path("st_prompt"));
        assertThat(prompt.pooling().includePrompt()).isFalse();
        assertThat(prompt.prompts().defaultPrompt()).isEqualTo("query: ");
    }

    /** An explicit empty prompt overrides the default one, and then include_prompt has nothing to leave out. */
    @Test
    void anExplicitPromptReplacesTheDefault() {
        SentenceTransformer st = SentenceTransformer.load(Golden.path("st_prompt"));
        List<String> texts = List.of("The cat sat on the tree.", "one");
        float[][] withDefault = st.encode(texts, 2), none = st.encode(texts, 2, ""), explicit = st.encode(texts, 2, "query: ");
        assertThat(explicit).isDeepEqualTo(withDefault);
        assertThat(none[0]).isNotEqualTo(withDefault[0]);
    }

    @Test
    void aPlainModelDirectoryIsNotAnEmbeddingModel() {
        assertThatThrownBy(() -> SentenceTransformer.load(Golden.path("bert"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not an embedding model: no modules.json");
    }

    @Test
    void unsupportedModulesAndPoolingModesAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Path src = Golden.path("st_mean");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "sentence_bert_config.json", "modules.json"))
            Files.copy(src.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"embedding_dimension\": 32, \"pooling_mode\": \"median\"}");
        assertThatThrownBy(() -> SentenceTransformer.load(dir)).hasMessageContaining("1_Pooling")
                .hasMessageContaining("pooling mode median is not supported");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"embedding_dimension\": 32, \"pooling_mode\": \"mean\"}");
        String modules = Files.readString(src.resolve("modules.json"));
        Files.writeString(dir.resolve("modules.json"), modules.replace("base.modules.normalize.Normalize",
                "sentence_transformer.modules.layer_norm.LayerNorm"));
        assertThatThrownBy(() -> SentenceTransformer.load(dir)).hasMessageContaining("modules.json")
                .hasMessageContaining("layer_norm.LayerNorm is not supported");
        // A Dense whose activation Cortado lacks is named with the field.
        Files.writeString(dir.resolve("modules.json"), modules.replace("base.modules.normalize.Normalize", "base.modules.dense.Dense")
                .replace("2_Normalize", "2_Dense"));
        Files.createDirectories(dir.resolve("2_Dense"));
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 32, \"out_features\": 8, "
                + "\"activation_function\": \"torch.nn.modules.activation.Hardswish\"}");
        assertThatThrownBy(() -> SentenceTransformer.load(dir)).hasMessageContaining("2_Dense")
                .hasMessageContaining("activation_function \"torch.nn.modules.activation.Hardswish\" is not supported");
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 16, \"out_features\": 8}");
        assertThatThrownBy(() -> SentenceTransformer.load(dir)).hasMessageContaining("in_features = 16 but the embedding before it has 32");
    }
}
