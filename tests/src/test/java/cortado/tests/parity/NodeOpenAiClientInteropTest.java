package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The official {@code openai} Node client (tools/interop/node, pinned by its package-lock.json and installed there by
 * {@code ./cortado test}) against Cortado's server on loopback: the same calls and greedy goldens as
 * {@link OpenAiClientInteropTest}, plus {@code embeddings.create} in the client's default base64 and as floats, held to
 * Cortado's own encode within 1e-6 as {@link OpenAiEmbeddingsInteropTest} holds the Python client. Never skipped: with
 * no node, or an install that failed, it fails with the reason.
 */
class NodeOpenAiClientInteropTest {

    static Path node() {
        String error = System.getenv("CORTADO_INTEROP_NODE_ERROR");
        if (error != null && !error.isBlank()) throw new AssertionError("the openai Node client could not be installed: " + error);
        String p = System.getProperty("cortado.interop.node");
        if (p == null || p.isBlank()) p = System.getenv("CORTADO_INTEROP_NODE");
        if (p == null || p.isBlank())
            throw new AssertionError("no interop Node: run the suite with ./cortado test (it runs npm ci in"
                    + " tools/interop/node), or pass -Dcortado.interop.node=PATH or set CORTADO_INTEROP_NODE=PATH after"
                    + " running npm ci there yourself");
        Path modules = TransformersInteropTest.scripts().resolve("node/node_modules/openai");
        if (!Files.isDirectory(modules)) throw new AssertionError(modules + " is missing: run npm ci in tools/interop/node");
        return Path.of(p);
    }

    @Test
    @SuppressWarnings("unchecked")
    void officialNodeClientCompletesChatsStreamsAndEmbeds() throws Exception {
        Path node = node();
        Path chatDir = OpenAiClientInteropTest.servedGolden().resolve("tiny-chat");
        Path embedDir = Path.of(NodeOpenAiClientInteropTest.class.getResource("/golden/st_mean").toURI());
        Map<String, Object> completion = OpenAiClientInteropTest.firstGreedyCase("completion");
        Map<String, Object> chat = OpenAiClientInteropTest.firstGreedyCase("chat");
        SentenceTransformer st = SentenceTransformer.load(embedDir);
        List<String> texts = List.of("the lighthouse has 219 steps", "bicycles travel free", "a third, longer sentence here");
        float[][] expected = st.encode(texts, 8);
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(chatDir), Tokenizers.open(chatDir), chatDir);
        try (OpenAiServer server = OpenAiServer.start(served, "st_mean", st,
                new OpenAiServer.Options("127.0.0.1", 0, "sk-interop", 4, 16, 1 << 20, 5, 0))) {
            String out = TransformersInteropTest.runScript("check_openai_node.mjs", List.of(node.toString(),
                    TransformersInteropTest.scripts().resolve("node/check_openai_node.mjs").toString(),
                    "http://127.0.0.1:" + server.port() + "/v1", "sk-interop", "tiny-chat", (String) completion.get("prompt"),
                    completion.get("max_tokens").toString(), Json.write(chat.get("messages")), chat.get("max_tokens").toString(),
                    "st_mean", Json.write(texts)));
            Map<String, Object> got = OpenAiClientInteropTest.lastJsonLine(out);
            OpenAiClientInteropTest.assertRepliesEqualGreedyGoldens(got, List.of("tiny-chat", "st_mean"), completion, chat);
            OpenAiEmbeddingsInteropTest.assertVector((List<Object>) got.get("one"), expected[0]);
            List<Object> many = (List<Object>) got.get("many");
            assertThat(many).hasSize(3);
            for (int i = 0; i < 3; i++) OpenAiEmbeddingsInteropTest.assertVector((List<Object>) many.get(i), expected[i]);
            assertThat((List<Object>) got.get("indexes")).containsExactly(0L, 1L, 2L);
            long tokens = texts.stream().mapToLong(st::tokenCount).sum();
            assertThat(((Map<String, Object>) got.get("many_usage")).get("prompt_tokens")).isEqualTo(tokens);
        }
    }
}
