package cortado.serve;

import java.util.UUID;

/** One function call read out of a reply: an id, the function's name and its arguments as a JSON text. */
record ToolCall(String id, String name, String arguments) {
    static ToolCall of(String name, String arguments) {
        return new ToolCall("call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24), name, arguments);
    }

    /** OpenAI's message form: {@code {"id", "type": "function", "function": {"name", "arguments"}}}. */
    java.util.Map<String, Object> json() {
        return GenerationEndpoint.object("id", id, "type", "function",
                "function", GenerationEndpoint.object("name", name, "arguments", arguments));
    }
}
