package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code response_format} and forced tool calls through the server, on the golden tiny random model (its window
 * widened to 2048 positions: Llama's rotary positions have no table to outgrow). Sampled at temperature 1 with
 * several seeds, a random model writes junk; the grammar must still make every reply a document of its schema, ended
 * by the model's end-of-sequence token (finish_reason stop). Each reply is checked with {@link SchemaValidator}, a
 * validator written apart from the automaton.
 */
class StructuredOutputServerTest {
    static final Map<String, Object> PERSON = Json.parseObject("""
            {"type": "object", "properties": {
               "name": {"type": "string"}, "age": {"type": "integer"}, "member": {"type": "boolean"},
               "tags": {"type": "array", "items": {"enum": ["red", "green", "blue"]}},
               "score": {"type": ["number", "null"]},
               "home": {"$ref": "#/$defs/place"}},
             "required": ["name", "age", "member", "tags", "score", "home"], "additionalProperties": false,
             "$defs": {"place": {"type": "object", "properties": {"city": {"type": "string"},
               "kind": {"anyOf": [{"const": "flat"}, {"const": "house"}]}}, "required": ["city", "kind"],
               "additionalProperties": false}}}""");
    static final List<Object> TOOLS = (List<Object>) Json.parse("""
            [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
               "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
               "required": ["city", "unit"], "additionalProperties": false}}},
             {"type": "function", "function": {"name": "convert", "parameters": {"type": "object",
               "properties": {"amount": {"type": "number"}, "to": {"type": "string"}}, "required": ["amount", "to"],
               "additionalProperties": false}}}]""");

    private static OpenAiServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start(@TempDir Path dir) throws IOException {
        try (var files = Files.list(TinyChatModel.dir())) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Map<String, Object> config = Json.parseObject(Files.readString(dir.resolve("config.json")));
        config.put("max_position_embeddings", 2048L);
        Files.writeString(dir.resolve("config.json"), Json.write(config));
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(dir), Tokenizers.open(dir), dir);
        server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 4, 64, 1 << 16, 5, 0));
    }

    @AfterAll
    static void stop() { server.close(); }

    static HttpResponse<String> post(Map<String, Object> body) {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
        try {
            return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> chat(long seed, Object... extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "tiny-chat");
        body.put("messages", List.of(Map.of("role", "user", "content", "Describe a person as JSON.")));
        body.put("temperature", 1.0);
        body.put("seed", seed);
        body.put("max_tokens", 900);
        for (int i = 0; i < extra.length; i += 2) body.put((String) extra[i], extra[i + 1]);
        return body;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> choices(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (List<Map<String, Object>>) Json.parseObject(r.body()).get("choices");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> message(Map<String, Object> choice) { return (Map<String, Object>) choice.get("message"); }

    @Test
    void jsonSchemaRepliesAlwaysParseAndValidate() {
        Map<String, Object> format = Map.of("type", "json_schema",
                "json_schema", Map.of("name", "person", "schema", PERSON, "strict", true));
        int replies = 0;
        for (long seed = 0; seed < 4; seed++)
            for (Map<String, Object> c : choices(post(chat(seed, "response_format", format, "n", 2)))) {
                String text = (String) message(c).get("content");
                assertThat(c.get("finish_reason")).as(text).isEqualTo("stop");
                assertThat(SchemaValidator.check(Json.parse(text), PERSON)).as(text).isNull();
                replies++;
            }
        assertThat(replies).isEqualTo(8);
        // without the grammar the same requests are not JSON: the constraint is doing the work
        String free = (String) message(choices(post(chat(0))).getFirst()).get("content");
        assertThat(isJson(free)).as(free).isFalse();
    }

    @Test
    void jsonObjectRepliesAreObjects() {
        for (long seed = 10; seed < 13; seed++) {
            Map<String, Object> c = choices(post(chat(seed, "response_format", Map.of("type", "json_object")))).getFirst();
            String text = (String) message(c).get("content");
            assertThat(c.get("finish_reason")).isEqualTo("stop");
            assertThat(Json.parse(text)).as(text).isInstanceOf(Map.class);
        }
    }

    @Test
    void streamedJsonIsTheSameDocument() {
        Map<String, Object> format = Map.of("type", "json_schema", "json_schema", Map.of("name", "p", "schema", PERSON));
        String whole = (String) message(choices(post(chat(5, "response_format", format))).getFirst()).get("content");
        List<Map<String, Object>> chunks = sse(post(chat(5, "response_format", format, "stream", true)));
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> ch : chunks) if (delta(ch).get("content") instanceof String s) text.append(s);
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(choice(chunks.getLast()).get("finish_reason")).isEqualTo("stop");
    }

    @Test
    void unsupportedSchemasAreRefusedNamingTheKeyword() {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("n", Map.of("type", "integer", "minimum", 0)));
        HttpResponse<String> r = post(chat(0, "response_format", Map.of("type", "json_schema",
                "json_schema", Map.of("name", "x", "schema", schema))));
        assertThat(r.statusCode()).isEqualTo(400);
        Map<?, ?> error = (Map<?, ?>) Json.parseObject(r.body()).get("error");
        assertThat((String) error.get("message")).contains("'minimum'").contains("response_format.json_schema.schema.properties.n");
        assertThat(error.get("param")).isEqualTo("response_format");
        assertThat(post(chat(0, "response_format", Map.of("type", "yaml"))).statusCode()).isEqualTo(400);
        assertThat(post(chat(0, "tools", TOOLS, "tool_choice", Map.of("type", "function", "function", Map.of("name", "nope"))))
                .statusCode()).isEqualTo(400);
        assertThat(post(chat(0, "tool_choice", "required")).statusCode()).isEqualTo(400); // no tools
    }

    @Test
    @SuppressWarnings("unchecked")
    void aNamedToolChoiceForcesThatCallWithValidArguments() {
        Map<String, Object> weather = (Map<String, Object>) ((Map<String, Object>) TOOLS.getFirst()).get("function");
        for (long seed = 20; seed < 23; seed++) {
            Map<String, Object> c = choices(post(chat(seed, "tools", TOOLS, "tool_choice",
                    Map.of("type", "function", "function", Map.of("name", "get_weather"))))).getFirst();
            assertThat(c.get("finish_reason")).isEqualTo("tool_calls");
            assertThat(message(c).get("content")).isNull();
            List<List<String>> calls = ToolCallReadingTest.calls(message(c));
            assertThat(calls).hasSize(1);
            assertThat(calls.getFirst().getFirst()).isEqualTo("get_weather");
            assertThat(SchemaValidator.check(Json.parse(calls.getFirst().get(1)), (Map<?, ?>) weather.get("parameters"))).isNull();
            Map<String, Object> tc = (Map<String, Object>) ((List<?>) message(c).get("tool_calls")).getFirst();
            assertThat(tc.get("type")).isEqualTo("function");
            assertThat((String) tc.get("id")).startsWith("call_");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void requiredForcesOneOrMoreCallsOfTheTools() {
        Map<String, Map<?, ?>> params = new LinkedHashMap<>();
        for (Object t : TOOLS) {
            Map<String, Object> fn = (Map<String, Object>) ((Map<String, Object>) t).get("function");
            params.put((String) fn.get("name"), (Map<?, ?>) fn.get("parameters"));
        }
        for (long seed = 30; seed < 33; seed++) {
            Map<String, Object> c = choices(post(chat(seed, "tools", TOOLS, "tool_choice", "required"))).getFirst();
            assertThat(c.get("finish_reason")).as(Json.write(c)).isEqualTo("tool_calls");
            List<List<String>> calls = ToolCallReadingTest.calls(message(c));
            assertThat(calls).isNotEmpty();
            for (List<String> call : calls) {
                assertThat(params).containsKey(call.getFirst());
                assertThat(SchemaValidator.check(Json.parse(call.get(1)), params.get(call.getFirst()))).isNull();
            }
        }
    }

    @Test
    void streamedToolCallsAssembleToTheSameCalls() {
        for (Object choice : List.of(Map.of("type", "function", "function", Map.of("name", "convert")), "required")) {
            Map<String, Object> whole = message(choices(post(chat(30, "tools", TOOLS, "tool_choice", choice))).getFirst());
            List<Map<String, Object>> chunks = sse(post(chat(30, "tools", TOOLS, "tool_choice", choice, "stream", true)));
            assertThat(delta(chunks.getFirst()).get("role")).isEqualTo("assistant");
            List<Map<String, Object>> deltas = new ArrayList<>();
            for (Map<String, Object> ch : chunks) deltas.add(delta(ch));
            Map<String, Object> streamed = ToolCallReadingTest.assemble(deltas);
            assertThat(ToolCallReadingTest.calls(streamed)).as(choice.toString()).isEqualTo(ToolCallReadingTest.calls(whole));
            assertThat(choice(chunks.getLast()).get("finish_reason")).as(Json.write(whole)).isEqualTo("tool_calls");
            for (Map<String, Object> ch : chunks.subList(0, chunks.size() - 1)) assertThat(choice(ch).get("finish_reason")).isNull();
        }
    }

    private static boolean isJson(String s) {
        try {
            Json.parse(s);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The chunks of a streamed answer (the [DONE] line checked and dropped). */
    static List<Map<String, Object>> sse(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) if (!block.isBlank()) events.add(block.substring("data: ".length()));
        assertThat(events.getLast()).isEqualTo("[DONE]");
        return events.subList(0, events.size() - 1).stream().map(Json::parseObject).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> choice(Map<String, Object> chunk) { return (Map<String, Object>) ((List<?>) chunk.get("choices")).getFirst(); }

    @SuppressWarnings("unchecked")
    static Map<String, Object> delta(Map<String, Object> chunk) { return (Map<String, Object>) choice(chunk).get("delta"); }
}
