package cortado.serve;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A call the grammar forced, as vLLM forces it. A named function ({@code tool_choice: {"function": {"name"}}}): the
 * output is the arguments object itself, streamed as the call's arguments as it comes. {@code required}: the output
 * is a JSON array of {@code {"name", "parameters"}} objects, read when it ends. A reply cut short by
 * {@code max_tokens} (not valid JSON) comes back as content.
 */
final class ForcedToolCallReply implements ChoiceReader {
    private final String function; // null: required, any of the tools
    private final StringBuilder text = new StringBuilder();
    private ToolCall named;
    private boolean called;

    ForcedToolCallReply(String function) { this.function = function; }

    @Override
    public List<Map<String, Object>> deltas(String piece) {
        text.append(piece);
        if (function == null || piece.isEmpty()) return List.of();
        List<Map<String, Object>> out = new ArrayList<>();
        if (named == null) {
            named = ToolCall.of(function, "");
            out.addAll(ChoiceReader.callDeltas(List.of(named), 0));
        }
        out.add(ChoiceReader.argumentsDelta(0, piece));
        return out;
    }

    @Override
    public List<Map<String, Object>> finish() {
        if (function != null) {
            called = true;
            return named != null ? List.of() : ChoiceReader.callDeltas(List.of(ToolCall.of(function, "")), 0);
        }
        List<ToolCall> calls = calls(text.toString());
        called = calls != null;
        return called ? ChoiceReader.callDeltas(calls, 0)
                : text.isEmpty() ? List.of() : List.of(GenerationEndpoint.object("content", text.toString()));
    }

    @Override
    public Map<String, Object> message(String whole) {
        if (function != null) {
            called = true;
            return ChoiceReader.message(null, List.of(ToolCall.of(function, whole)));
        }
        List<ToolCall> calls = calls(whole);
        called = calls != null;
        return called ? ChoiceReader.message(null, calls) : ChoiceReader.message(whole, List.of());
    }

    /** The calls of a {@code required} reply, or null when it is not a whole array of them. */
    private static List<ToolCall> calls(String json) {
        Object v;
        try {
            v = Json.parse(json);
        } catch (JsonException e) {
            return null;
        }
        if (!(v instanceof List<?> list)) return null;
        List<ToolCall> calls = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) return null;
            calls.add(ToolCall.of(name, Json.write(m.get("parameters"))));
        }
        return calls;
    }

    @Override public boolean calledTools() { return called; }
}
