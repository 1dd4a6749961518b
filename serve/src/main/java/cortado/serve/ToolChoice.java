package cortado.serve;

import cortado.serve.json.JsonSchemaCompiler;
import cortado.serve.json.SchemaNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A chat request's {@code tools} (OpenAI's {@code [{"type": "function", "function": {"name", "description",
 * "parameters"}}]}, handed to the chat template as they are, as transformers' {@code apply_chat_template(tools=...)}
 * takes them) and its {@code tool_choice}: {@code none} (the tools are still shown, the reply is content), {@code auto}
 * (the default with tools: the reply is read for calls), {@code required} (at least one call, forced by the grammar),
 * or {@code {"type": "function", "function": {"name": ...}}} (that call, forced).
 */
record ToolChoice(List<Map<String, Object>> tools, Mode mode, String function) {
    enum Mode { NONE, AUTO, REQUIRED, NAMED }

    @SuppressWarnings("unchecked")
    static ToolChoice of(RequestFields f) {
        List<Map<String, Object>> tools = new ArrayList<>();
        Object t = f.body().get("tools");
        if (t != null && !(t instanceof List<?>)) throw RequestFields.wrongType("tools", "a list of tools");
        if (t instanceof List<?> list)
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> tool) || !"function".equals(tool.get("type"))
                        || !(tool.get("function") instanceof Map<?, ?> fn) || !(fn.get("name") instanceof String))
                    throw new ApiException(400, "tools[" + i + "] must be {\"type\": \"function\", \"function\": "
                            + "{\"name\": ..., \"parameters\": ...}}", "tools");
                if (fn.get("parameters") != null && !(fn.get("parameters") instanceof Map<?, ?>))
                    throw new ApiException(400, "tools[" + i + "].function.parameters must be a JSON Schema object", "tools");
                tools.add((Map<String, Object>) tool);
            }
        Object choice = f.body().get("tool_choice");
        Mode mode;
        String function = null;
        if (choice == null) mode = tools.isEmpty() ? Mode.NONE : Mode.AUTO;
        else if (choice instanceof String s) mode = switch (s) {
            case "none" -> Mode.NONE;
            case "auto" -> Mode.AUTO;
            case "required" -> Mode.REQUIRED;
            default -> throw new ApiException(400, "'tool_choice' must be 'none', 'auto', 'required' or a named "
                    + "function, got '" + s + "'", "tool_choice");
        };
        else if (choice instanceof Map<?, ?> m && "function".equals(m.get("type"))
                && m.get("function") instanceof Map<?, ?> fn && fn.get("name") instanceof String name) {
            mode = Mode.NAMED;
            function = name;
        } else throw new ApiException(400, "'tool_choice' must be a string or {\"type\": \"function\", \"function\": "
                + "{\"name\": ...}}", "tool_choice");
        if (mode != Mode.NONE && mode != Mode.AUTO && tools.isEmpty())
            throw new ApiException(400, "'tool_choice' " + (function == null ? "'required'" : "naming a function")
                    + " needs 'tools'", "tool_choice");
        String named = function;
        if (named != null && tools.stream().noneMatch(tool -> name(tool).equals(named)))
            throw new ApiException(400, "'tool_choice' names function '" + named + "', which is not in 'tools'", "tool_choice");
        return new ToolChoice(List.copyOf(tools), mode, function);
    }

    private static String name(Map<String, Object> tool) { return (String) ((Map<?, ?>) tool.get("function")).get("name"); }

    /** A tool's parameters schema ({@code {"type": "object", "properties": {}}} when it gives none). */
    private Object parameters(String function) {
        for (Map<String, Object> tool : tools)
            if (name(tool).equals(function)) {
                Object p = ((Map<?, ?>) tool.get("function")).get("parameters");
                return p != null ? p : Map.of("type", "object", "properties", Map.of());
            }
        return null;
    }

    /**
     * The grammar a forced call follows, null when the reply is free: a named function's arguments object, or for
     * {@code required} a non-empty array of {@code {"name": NAME, "parameters": ARGS}} (vLLM's forms).
     */
    SchemaNode schema() {
        if (mode == Mode.NAMED)
            return ResponseFormat.compile(parameters(function), "tools[" + function + "].function.parameters", "tools");
        if (mode != Mode.REQUIRED) return null;
        List<SchemaNode> calls = new ArrayList<>();
        for (Map<String, Object> tool : tools) {
            String n = name(tool);
            SchemaNode args = ResponseFormat.compile(parameters(n), "tools[" + n + "].function.parameters", "tools");
            calls.add(JsonSchemaCompiler.object(List.of("name", "parameters"), List.of(JsonSchemaCompiler.constant(n), args)));
        }
        return JsonSchemaCompiler.nonEmptyArray(JsonSchemaCompiler.anyOf(calls));
    }

    /** A reader for one choice's reply under this choice of tools, in the model's {@code format}. */
    ChoiceReader reader(ToolCallFormat format) {
        return switch (mode) {
            case NONE -> new TextReply();
            case AUTO -> new ToolCallReply(format);
            case REQUIRED -> new ForcedToolCallReply(null);
            case NAMED -> new ForcedToolCallReply(function);
        };
    }
}
