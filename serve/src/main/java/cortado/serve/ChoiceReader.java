package cortado.serve;

import java.util.List;
import java.util.Map;

/**
 * How one chat choice's generated text becomes the assistant's message: as it streams (deltas, some text held back
 * while it may be a tool call) and whole. One per choice; its state follows the text.
 */
interface ChoiceReader {
    /** The deltas to stream for newly generated {@code text} (none while it is held back). */
    List<Map<String, Object>> deltas(String text);

    /** The deltas still due once the choice has ended. */
    List<Map<String, Object>> finish();

    /** The assistant message (role, content, tool_calls) of the whole reply {@code text}. */
    Map<String, Object> message(String text);

    /** Whether the reply called tools, once {@link #finish} or {@link #message} has run (finish_reason tool_calls). */
    boolean calledTools();

    /** A delta or message field list with tool calls {@code calls}, numbered from {@code first}. */
    static List<Map<String, Object>> callDeltas(List<ToolCall> calls, int first) {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            // as OpenAI streams a call: its id, type and name with empty arguments, then the arguments
            out.add(GenerationEndpoint.object("tool_calls", List.of(GenerationEndpoint.object("index", first + i,
                    "id", c.id(), "type", "function", "function", GenerationEndpoint.object("name", c.name(), "arguments", "")))));
            if (!c.arguments().isEmpty()) out.add(argumentsDelta(first + i, c.arguments()));
        }
        return out;
    }

    static Map<String, Object> argumentsDelta(int index, String arguments) {
        return GenerationEndpoint.object("tool_calls", List.of(GenerationEndpoint.object("index", index,
                "function", GenerationEndpoint.object("arguments", arguments))));
    }

    static Map<String, Object> message(String content, List<ToolCall> calls) {
        Map<String, Object> m = GenerationEndpoint.object("role", "assistant", "content", content);
        if (!calls.isEmpty()) m.put("tool_calls", calls.stream().map(ToolCall::json).toList());
        return m;
    }
}
