package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool calls read out of fixed replies in both formats (Hermes/Qwen tags, Llama 3 JSON), and the same replies
 * streamed in pieces of every size: the deltas, put together as OpenAI's clients put them together, give the whole
 * reply's message.
 */
class ToolCallReadingTest {
    static final String HERMES_TWO = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
            + "{\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"convert\", "
            + "\"arguments\": {\"amount\": 20, \"to\": \"EUR\"}}\n</tool_call>";
    static final String LLAMA_ONE = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}";

    private static List<String> names(ToolCallFormat.Parsed p) { return p.calls().stream().map(ToolCall::name).toList(); }

    private static List<Object> args(ToolCallFormat.Parsed p) {
        return p.calls().stream().map(c -> Json.parse(c.arguments())).toList();
    }

    @Test
    void hermesTagsAreReadWithTheContentBeforeThem() {
        ToolCallFormat.Parsed p = ToolCallFormat.HERMES.parse(HERMES_TWO);
        assertThat(p.content()).isEqualTo("Let me check.\n");
        assertThat(names(p)).containsExactly("get_weather", "convert");
        assertThat(args(p)).containsExactly(Map.of("city", "Paris", "unit", "celsius"), Map.of("amount", 20L, "to", "EUR"));
        assertThat(p.calls().get(0).id()).startsWith("call_").isNotEqualTo(p.calls().get(1).id());
        // the last tag may be left open when the reply ends (eos right after the JSON)
        assertThat(names(ToolCallFormat.HERMES.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}"))).containsExactly("f");
        assertThat(ToolCallFormat.HERMES.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}").content()).isNull();
        // malformed: all content
        for (String bad : List.of("no calls here", "<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call>", "<tool_call>[1]</tool_call>")) {
            ToolCallFormat.Parsed q = ToolCallFormat.HERMES.parse(bad);
            assertThat(q.calls()).as(bad).isEmpty();
            assertThat(q.content()).isEqualTo(bad);
        }
    }

    @Test
    void llama3JsonCallsAreTheWholeReply() {
        ToolCallFormat.Parsed p = ToolCallFormat.LLAMA3_JSON.parse("  " + LLAMA_ONE + "\n");
        assertThat(p.content()).isNull();
        assertThat(names(p)).containsExactly("get_weather");
        assertThat(args(p)).containsExactly(Map.of("city", "Paris", "unit", "celsius"));
        ToolCallFormat.Parsed two = ToolCallFormat.LLAMA3_JSON.parse(
                "{\"name\": \"a\", \"parameters\": {\"x\": \"1;2\"}}; {\"name\": \"b\", \"arguments\": {}}");
        assertThat(names(two)).containsExactly("a", "b");
        assertThat(args(two).getFirst()).isEqualTo(Map.of("x", "1;2"));
        for (String plain : List.of("The weather is fine.", "{\"not\": \"a call\"}", "{\"name\": \"a\", \"parameters\": 3}",
                "Sure: " + LLAMA_ONE))
            assertThat(ToolCallFormat.LLAMA3_JSON.parse(plain).calls()).as(plain).isEmpty();
    }

    @Test
    void streamedPiecesAssembleToTheWholeMessage() {
        record Case(ToolCallFormat format, String text) {}
        for (Case c : List.of(new Case(ToolCallFormat.HERMES, HERMES_TWO), new Case(ToolCallFormat.LLAMA3_JSON, LLAMA_ONE),
                new Case(ToolCallFormat.HERMES, "Plain text with a < and <tool but no call."),
                new Case(ToolCallFormat.LLAMA3_JSON, "Plain {text}"),
                new Case(ToolCallFormat.LLAMA3_JSON, "{\"broken\": "))) {
            Map<String, Object> whole = new ToolCallReply(c.format).message(c.text);
            for (int size = 1; size <= 9; size++) {
                ToolCallReply r = new ToolCallReply(c.format);
                List<Map<String, Object>> deltas = new ArrayList<>();
                for (int i = 0; i < c.text.length(); i += size) deltas.addAll(r.deltas(c.text.substring(i, Math.min(c.text.length(), i + size))));
                deltas.addAll(r.finish());
                Map<String, Object> got = assemble(deltas);
                assertThat(got.get("tool_calls") == null).isEqualTo(whole.get("tool_calls") == null);
                assertThat(calls(got)).as(c.text + " in pieces of " + size).isEqualTo(calls(whole));
                // streamed content: everything before the calls (Hermes may stream the whitespace the message trims)
                String content = (String) got.get("content"), want = (String) whole.get("content");
                assertThat(content == null ? "" : content.strip()).isEqualTo(want == null ? "" : want.strip());
                assertThat(r.calledTools()).isEqualTo(whole.get("tool_calls") != null);
            }
        }
    }

    @Test
    void forcedCallsReadTheirArgumentsOrTheirArray() {
        ForcedToolCallReply named = new ForcedToolCallReply("get_weather");
        List<Map<String, Object>> deltas = new ArrayList<>();
        for (String piece : List.of("{\"city\"", ": \"Oslo\", ", "\"unit\": \"celsius\"}")) deltas.addAll(named.deltas(piece));
        deltas.addAll(named.finish());
        assertThat(calls(assemble(deltas))).containsExactly(List.of("get_weather", "{\"city\": \"Oslo\", \"unit\": \"celsius\"}"));
        assertThat(calls(new ForcedToolCallReply("f").message("{}"))).containsExactly(List.of("f", "{}"));

        String array = "[{\"name\": \"a\", \"parameters\": {\"x\": 1}}, {\"parameters\": {}, \"name\": \"b\"}]";
        assertThat(calls(new ForcedToolCallReply(null).message(array)))
                .containsExactly(List.of("a", "{\"x\":1}"), List.of("b", "{}"));
        ForcedToolCallReply required = new ForcedToolCallReply(null);
        assertThat(required.deltas(array)).isEmpty();
        assertThat(calls(assemble(required.finish()))).containsExactly(List.of("a", "{\"x\":1}"), List.of("b", "{}"));
        ForcedToolCallReply cut = new ForcedToolCallReply(null); // max_tokens ended it: content
        assertThat(cut.message("[{\"name\": \"a\"").get("content")).isEqualTo("[{\"name\": \"a\"");
        assertThat(cut.calledTools()).isFalse();
    }

    /** A message from streamed deltas, as the openai client accumulates them (by tool-call index, arguments appended). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> assemble(List<Map<String, Object>> deltas) {
        StringBuilder content = null;
        List<Map<String, Object>> calls = new ArrayList<>();
        for (Map<String, Object> d : deltas) {
            if (d.get("content") instanceof String s) (content == null ? content = new StringBuilder() : content).append(s);
            if (d.get("tool_calls") instanceof List<?> tcs)
                for (Object o : tcs) {
                    Map<String, Object> tc = (Map<String, Object>) o;
                    int index = ((Number) tc.get("index")).intValue();
                    while (calls.size() <= index) calls.add(new LinkedHashMap<>(Map.of("name", "", "arguments", "")));
                    Map<String, Object> call = calls.get(index);
                    if (tc.get("id") != null) call.put("id", tc.get("id"));
                    Map<String, Object> fn = (Map<String, Object>) tc.get("function");
                    if (fn.get("name") instanceof String n) call.put("name", call.get("name") + n);
                    if (fn.get("arguments") instanceof String a) call.put("arguments", call.get("arguments") + a);
                }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("content", content == null ? null : content.toString());
        if (!calls.isEmpty()) {
            List<Object> out = new ArrayList<>();
            for (Map<String, Object> c : calls)
                out.add(Map.of("id", c.get("id"), "type", "function", "function", Map.of("name", c.get("name"), "arguments", c.get("arguments"))));
            m.put("tool_calls", out);
        }
        return m;
    }

    /** [name, arguments] of each call in a message (ids differ run to run). */
    @SuppressWarnings("unchecked")
    static List<List<String>> calls(Map<String, Object> message) {
        List<List<String>> out = new ArrayList<>();
        if (message.get("tool_calls") instanceof List<?> list)
            for (Object o : list) {
                Map<String, Object> fn = (Map<String, Object>) ((Map<String, Object>) o).get("function");
                out.add(List.of((String) fn.get("name"), (String) fn.get("arguments")));
            }
        return out;
    }
}
