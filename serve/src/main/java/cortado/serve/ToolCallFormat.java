package cortado.serve;

import cortado.data.chat.ChatTemplate;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a model writes its function calls, as vLLM's tool parsers read them. {@link #HERMES} (Hermes 2 Pro, Qwen2.5):
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} blocks, content before the first one. {@link
 * #LLAMA3_JSON} (Llama 3.1's JSON tool calling): the whole reply is {@code {"name": ..., "parameters": {...}}}, several
 * separated by {@code ;}. The format comes from the chat template: one that writes {@code <tool_call>} is Hermes.
 * Reading is all or nothing: when any call is malformed, the whole reply is content (vLLM does the same).
 */
enum ToolCallFormat {
    HERMES, LLAMA3_JSON;

    private static final String OPEN = "<tool_call>", CLOSE = "</tool_call>";

    static ToolCallFormat forTemplate(ChatTemplate template) {
        return template != null && template.source().contains(OPEN) ? HERMES : LLAMA3_JSON;
    }

    /** A reply read: its content (null when none) and its calls (empty: it is plain content). */
    record Parsed(String content, List<ToolCall> calls) {}

    Parsed parse(String text) {
        List<ToolCall> calls = this == HERMES ? hermes(text) : llama3(text);
        if (calls == null || calls.isEmpty()) return new Parsed(text, List.of());
        String content = this == HERMES ? text.substring(0, text.indexOf(OPEN)) : "";
        return new Parsed(content.isBlank() ? null : content, calls);
    }

    /**
     * Where in {@code text} (a reply so far) a call may begin, so streaming must hold the rest back until the reply
     * ends: Hermes, at an opening tag or a tail that could start one; Llama 3, at 0 while the reply is blank or
     * starts with {@code {}; else -1.
     */
    int holdFrom(String text) {
        if (this == LLAMA3_JSON) {
            String t = text.stripLeading();
            return t.isEmpty() || t.startsWith("{") ? 0 : -1;
        }
        int at = text.indexOf(OPEN);
        if (at >= 0) return at;
        for (int k = Math.min(OPEN.length() - 1, text.length()); k > 0; k--)
            if (text.endsWith(OPEN.substring(0, k))) return text.length() - k;
        return -1;
    }

    private static List<ToolCall> hermes(String text) {
        List<ToolCall> calls = new ArrayList<>();
        for (int at = text.indexOf(OPEN); at >= 0; at = text.indexOf(OPEN, at)) {
            int start = at + OPEN.length(), end = text.indexOf(CLOSE, start);
            String body = end < 0 ? text.substring(start) : text.substring(start, end); // the last may be unclosed
            ToolCall c = call(body, "arguments");
            if (c == null) return null;
            calls.add(c);
            if (end < 0) break;
            at = end + CLOSE.length();
        }
        return calls;
    }

    private static List<ToolCall> llama3(String text) {
        String t = text.strip();
        if (t.startsWith("<|python_tag|>")) t = t.substring("<|python_tag|>".length()).strip();
        if (!t.startsWith("{")) return null;
        List<ToolCall> calls = new ArrayList<>();
        for (String part : splitTopLevel(t)) {
            ToolCall c = call(part, "parameters");
            if (c == null) return null;
            calls.add(c);
        }
        return calls;
    }

    /** One call object: {@code name} and its arguments under {@code argumentsKey} (or the other common key). */
    private static ToolCall call(String json, String argumentsKey) {
        Object v;
        try {
            v = Json.parse(json.strip());
        } catch (JsonException e) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) return null;
        Object args = m.containsKey(argumentsKey) ? m.get(argumentsKey)
                : m.get(argumentsKey.equals("arguments") ? "parameters" : "arguments");
        if (args == null) args = Map.of();
        if (args instanceof String s) return ToolCall.of(name, s); // already a JSON text
        if (!(args instanceof Map<?, ?>)) return null;
        return ToolCall.of(name, Json.write(args));
    }

    /** {@code text} split at each {@code ;} outside strings and brackets. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0, from = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') depth--;
            else if (c == ';' && depth == 0) {
                parts.add(text.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(text.substring(from));
        parts.removeIf(String::isBlank);
        return parts;
    }
}
