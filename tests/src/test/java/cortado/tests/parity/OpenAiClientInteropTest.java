package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} Python client (tools/interop/requirements.txt) against Cortado's server on loopback,
 * through the interop venv as {@link TransformersInteropTest} finds it (never skipped): it lists the model, completes,
 * chats and streams both with {@code include_usage}, and gets its typed errors for an unknown model and a wrong key.
 * The greedy answers are transformers' generate() on the served golden model (serve/src/test/resources/serve, from
 * tools/golden/serve/make_serve_golden.py). It also reads structured outputs and tool calls: {@code parse} with a
 * Pydantic {@code response_format}, json_object, a named {@code pydantic_function_tool} call, and {@code required}
 * calls streamed through the client's {@code stream} helper (the golden model with its window widened, sampled at
 * temperature 1, so only the grammar makes the replies valid).
 */
class OpenAiClientInteropTest {

    static Path servedGolden() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("serve/src/test/resources/serve");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("serve/src/test/resources/serve not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    @SuppressWarnings("unchecked")
    void officialClientCompletesChatsAndStreams() throws IOException {
        Path python = TransformersInteropTest.python();
        Path dir = servedGolden().resolve("tiny-chat");
        Map<String, Object> completion = firstGreedyCase("completion"), chat = firstGreedyCase("chat");
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(dir), Tokenizers.open(dir), dir);
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, "sk-interop", 4,
                16, 1 << 20, 5, 0))) {
            String out = TransformersInteropTest.runPython(python, "check_openai_client.py", List.of(
                    "http://127.0.0.1:" + server.port() + "/v1", "sk-interop", "tiny-chat", (String) completion.get("prompt"),
                    completion.get("max_tokens").toString(), Json.write(chat.get("messages")), chat.get("max_tokens").toString()));
            assertRepliesEqualGreedyGoldens(lastJsonLine(out), List.of("tiny-chat"), completion, chat);
        }
    }

    /** The first case of a kind ("completion" or "chat") in the served golden's greedy.json. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> firstGreedyCase(String kind) throws IOException {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Json.parseObject(
                Files.readString(servedGolden().resolve("greedy.json"))).get("cases");
        return cases.stream().filter(c -> c.get("kind").equals(kind)).findFirst().orElseThrow();
    }

    /** The object a check script prints last. */
    static Map<String, Object> lastJsonLine(String out) {
        String[] lines = out.strip().split("\n");
        return Json.parseObject(lines[lines.length - 1]);
    }

    /**
     * What a client got (the served model names, completion and chat, plain and streamed, typed errors) against transformers' greedy
     * goldens: the same text, finish reason and token counts however the client reads the stream.
     */
    @SuppressWarnings("unchecked")
    static void assertRepliesEqualGreedyGoldens(Map<String, Object> got, List<String> models,
            Map<String, Object> completion, Map<String, Object> chat) {
        assertThat((List<Object>) got.get("models")).containsExactlyElementsOf(models);
        long completionTokens = ((List<?>) completion.get("completion_ids")).size();
        long chatTokens = ((List<?>) chat.get("completion_ids")).size();
        for (String key : List.of("completion", "completion_stream")) {
            Map<String, Object> c = (Map<String, Object>) got.get(key);
            assertThat(c.get("text")).as(key).isEqualTo(completion.get("text"));
            assertThat(c.get("finish_reason")).as(key).isEqualTo(completion.get("finish_reason"));
            assertThat(((Map<String, Object>) c.get("usage")).get("completion_tokens")).as(key).isEqualTo(completionTokens);
            assertThat(((Map<String, Object>) c.get("usage")).get("prompt_tokens")).as(key)
                    .isEqualTo((long) ((List<?>) completion.get("prompt_ids")).size());
        }
        for (String key : List.of("chat", "chat_stream")) {
            Map<String, Object> c = (Map<String, Object>) got.get(key);
            assertThat(c.get("content")).as(key).isEqualTo(chat.get("text"));
            assertThat(c.get("finish_reason")).as(key).isEqualTo(chat.get("finish_reason"));
            assertThat(((Map<String, Object>) c.get("usage")).get("completion_tokens")).as(key).isEqualTo(chatTokens);
        }
        assertThat(((Map<String, Object>) got.get("chat")).get("role")).isEqualTo("assistant");
        assertThat(((Map<String, Object>) got.get("chat_stream")).get("ids")).isEqualTo(1L);
        assertThat(got.get("unknown_model")).isEqualTo("NotFoundError");
        assertThat(got.get("bad_key")).isEqualTo("AuthenticationError");
    }

    @Test
    @SuppressWarnings("unchecked")
    void officialClientReadsStructuredOutputsAndToolCalls(@TempDir Path dir) throws IOException {
        Path python = TransformersInteropTest.python();
        try (var files = Files.list(servedGolden().resolve("tiny-chat"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        // Llama's rotary positions have no table: the same weights serve a wider window (the tools' prompt is long)
        Map<String, Object> config = Json.parseObject(Files.readString(dir.resolve("config.json")));
        config.put("max_position_embeddings", 2048L);
        Files.writeString(dir.resolve("config.json"), Json.write(config));
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(dir), Tokenizers.open(dir), dir);
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, "sk-interop", 4,
                16, 1 << 20, 5, 0))) {
            String out = TransformersInteropTest.runPython(python, "check_openai_structured.py", List.of(
                    "http://127.0.0.1:" + server.port() + "/v1", "sk-interop", "tiny-chat"));
            Map<String, Object> got = lastJsonLine(out);
            List<Map<String, Object>> parsed = (List<Map<String, Object>>) got.get("parsed");
            assertThat(parsed).hasSize(3);
            for (Map<String, Object> p : parsed) {
                assertThat(p.get("finish_reason")).isEqualTo("stop");
                Map<String, Object> person = (Map<String, Object>) p.get("person");
                assertThat(person.keySet()).containsExactlyInAnyOrder("name", "age", "member", "tags", "score", "home");
                assertThat(Set.of("flat", "house")).contains((String) ((Map<String, Object>) person.get("home")).get("kind"));
            }
            for (Map<String, Object> j : (List<Map<String, Object>>) got.get("json_object")) {
                assertThat(j.get("finish_reason")).isEqualTo("stop");
                assertThat(j.get("value")).isInstanceOf(Map.class);
            }
            for (Map<String, Object> n : (List<Map<String, Object>>) got.get("named")) {
                assertThat(n.get("finish_reason")).isEqualTo("tool_calls");
                assertThat(n.get("name")).isEqualTo("GetWeather");
                assertThat(((Map<String, Object>) n.get("arguments")).keySet()).containsExactlyInAnyOrder("city", "unit");
            }
            assertThat((List<Object>) got.get("required_stream")).hasSize(2);
            assertThat((Long) got.get("required_cut")).isLessThan(5L);
            for (Map<String, Object> r : (List<Map<String, Object>>) got.get("required_stream")) {
                assertThat(r.get("finish_reason")).isEqualTo("tool_calls");
                List<Map<String, Object>> calls = (List<Map<String, Object>>) r.get("calls");
                assertThat(calls).isNotEmpty();
                for (Map<String, Object> c : calls) {
                    assertThat(Set.of("GetWeather", "Convert")).contains((String) c.get("name"));
                    assertThat(c.get("parsed")).isEqualTo(true);
                }
                assertThat((List<Object>) r.get("events")).contains("tool_calls.function.arguments.done");
            }
        }
    }
}
