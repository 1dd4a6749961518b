package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.embed.SentenceTransformer;
import cortado.nn.io.HfCheckpoint;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} Python client's {@code embeddings.create} against {@code /v1/embeddings} (the server
 * started with the st_mean sentence-transformers golden): a string with the client's default base64 encoding, a list
 * of strings as floats, usage, and the typed error for an unknown model. The vectors equal Cortado's own
 * {@code SentenceTransformer.encode} within 1e-6 (float32 through JSON's shortest round-trip form and base64 bytes:
 * only the client's float64 printing differs), and that encode is held to sentence-transformers by
 * SentenceTransformerParityTest.
 */
class OpenAiEmbeddingsInteropTest {
    @Test
    @SuppressWarnings("unchecked")
    void officialClientEmbedsAsFloatsAndBase64() throws Exception {
        Path python = TransformersInteropTest.python();
        Path embedDir = Path.of(OpenAiEmbeddingsInteropTest.class.getResource("/golden/st_mean").toURI());
        Path chat = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && chat == null; d = d.getParent())
            if (Files.isDirectory(d.resolve("serve/src/test/resources/serve/tiny-chat"))) chat = d.resolve("serve/src/test/resources/serve/tiny-chat");
        assertThat(chat).isNotNull();
        SentenceTransformer st = SentenceTransformer.load(embedDir);
        List<String> texts = List.of("the lighthouse has 219 steps", "bicycles travel free", "a third, longer sentence here");
        float[][] expected = st.encode(texts, 8);
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(chat), Tokenizers.open(chat), chat);
        try (OpenAiServer server = OpenAiServer.start(served, "st_mean", st,
                new OpenAiServer.Options("127.0.0.1", 0, null, 2, 8, 1 << 20, 5, 0))) {
            String out = TransformersInteropTest.runPython(python, "check_openai_embeddings.py", List.of(
                    "http://127.0.0.1:" + server.port() + "/v1", "st_mean", Json.write(texts)));
            String[] lines = out.strip().split("\n");
            Map<String, Object> got = Json.parseObject(lines[lines.length - 1]);
            assertVector((List<Object>) got.get("one"), expected[0]);
            List<Object> many = (List<Object>) got.get("many");
            assertThat(many).hasSize(3);
            for (int i = 0; i < 3; i++) assertVector((List<Object>) many.get(i), expected[i]);
            assertThat((List<Object>) got.get("indexes")).containsExactly(0L, 1L, 2L);
            long tokens = texts.stream().mapToLong(st::tokenCount).sum();
            assertThat(((Map<String, Object>) got.get("many_usage")).get("prompt_tokens")).isEqualTo(tokens);
            assertThat(((Map<String, Object>) got.get("many_usage")).get("total_tokens")).isEqualTo(tokens);
            assertThat(((Map<String, Object>) got.get("one_usage")).get("prompt_tokens")).isEqualTo((long) st.tokenCount(texts.get(0)));
            assertThat(got.get("model")).isEqualTo("st_mean");
            assertThat(got.get("object")).isEqualTo("list");
            assertThat(got.get("unknown_model")).isEqualTo("NotFoundError");
        }
    }

    static void assertVector(List<Object> got, float[] expected) {
        assertThat(got).hasSize(expected.length);
        for (int j = 0; j < expected.length; j++)
            assertThat(((Number) got.get(j)).doubleValue()).isCloseTo(expected[j], within(1e-6));
    }
}
