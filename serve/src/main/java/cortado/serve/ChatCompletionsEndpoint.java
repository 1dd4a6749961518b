package cortado.serve;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.generate.FinishReason;
import cortado.serve.feedback.ConversationLog;
import cortado.serve.json.SchemaNode;
import cortado.serve.json.TokenGrammars;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/chat/completions}: the messages rendered with the model's chat template (ready for the assistant's
 * turn, with the request's {@code tools}) and encoded; a message's content is a string, null, or a list of text parts
 * (joined, as vLLM does for text-only models); an assistant message's {@code tool_calls} arguments, JSON text in
 * OpenAI's API, reach the template as objects (as transformers' templates expect and vLLM passes them). The reply is
 * the assistant's message, read for tool calls per {@link ToolChoice}; streamed, the first delta carries the role.
 */
final class ChatCompletionsEndpoint extends GenerationEndpoint {
    private final ToolCallFormat toolFormat;

    ChatCompletionsEndpoint(ServedModel served, Scheduler scheduler, TokenGrammars grammars, ConversationLog log) {
        super(served, scheduler, grammars, log);
        this.toolFormat = ToolCallFormat.forTemplate(served.chatTemplate());
    }

    @Override
    int[] prompt(RequestFields f, ServedModel served) { return served.tokenizer().encode(promptText(f, served)); }

    @Override String kind() { return "chat"; }

    @Override Object loggedInput(RequestFields f) { return f.body().get("messages"); }

    @Override String loggedPromptText(RequestFields f, ServedModel served) { return promptText(f, served); }

    /** The conversation and tools of request {@code f} rendered with {@code served}'s chat template. */
    static String promptText(RequestFields f, ServedModel served) {
        Object v = f.body().get("messages");
        if (v == null) throw new ApiException(400, "'messages' is required", "messages", "missing_required_parameter");
        if (!(v instanceof List<?> list) || list.isEmpty())
            throw RequestFields.wrongType("messages", "a non-empty list of messages");
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String role))
                throw new ApiException(400, "messages[" + i + "] must be an object with a string 'role'", "messages");
            Map<String, Object> message = new LinkedHashMap<>();
            for (var e : m.entrySet()) message.put((String) e.getKey(), e.getValue());
            message.put("role", role);
            message.put("content", content(m.get("content"), i));
            if (m.get("tool_calls") instanceof List<?> calls) message.put("tool_calls", templateCalls(calls));
            messages.add(message);
        }
        ToolChoice tools = ToolChoice.of(f);
        return served.renderChat(messages, tools.tools().isEmpty() ? null : tools.tools());
    }

    /** Tool calls with their JSON-text arguments parsed (left as text when they do not parse). */
    private static List<Object> templateCalls(List<?> calls) {
        List<Object> out = new ArrayList<>();
        for (Object c : calls) {
            if (c instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> fn
                    && fn.get("arguments") instanceof String args) {
                Map<Object, Object> function = new LinkedHashMap<>(fn), copy = new LinkedHashMap<>(call);
                try {
                    function.put("arguments", Json.parse(args));
                } catch (JsonException e) {
                    // not JSON: the template gets the text
                }
                copy.put("function", function);
                out.add(copy);
            } else out.add(c);
        }
        return out;
    }

    /** A forced tool call's grammar, else {@code response_format}'s (both at once are refused). */
    @Override
    SchemaNode schema(RequestFields f) {
        SchemaNode forced = ToolChoice.of(f).schema();
        SchemaNode format = super.schema(f);
        if (forced != null && format != null)
            throw new ApiException(400, "'response_format' cannot be combined with a forced 'tool_choice'", "response_format");
        return forced != null ? forced : format;
    }

    @Override ChoiceReader reader(RequestFields f) { return ToolChoice.of(f).reader(toolFormat); }

    private static String content(Object c, int i) {
        if (c == null || c instanceof String) return (String) c;
        if (c instanceof List<?> parts) {
            StringBuilder text = new StringBuilder();
            for (Object p : parts) {
                if (!(p instanceof Map<?, ?> part) || !"text".equals(part.get("type"))
                        || !(part.get("text") instanceof String s))
                    throw new ApiException(400, "messages[" + i + "].content parts must be {\"type\": \"text\", "
                            + "\"text\": ...} (only text is supported)", "messages");
                if (!text.isEmpty()) text.append('\n');
                text.append(s);
            }
            return text.toString();
        }
        throw new ApiException(400, "messages[" + i + "].content must be a string or a list of text parts", "messages");
    }

    @Override
    long maxTokens(RequestFields f) {
        String field = f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (!f.has(field)) return -1;
        long n = f.integer(field, 0);
        if (n < 1) throw new ApiException(400, "'" + field + "' must be at least 1", field);
        return n;
    }

    @Override String idPrefix() { return "chatcmpl-"; }

    @Override String object(boolean chunk) { return chunk ? "chat.completion.chunk" : "chat.completion"; }

    /** {@code logprobs: true} turns them on, {@code top_logprobs} (0 to 20) asks for alternatives. */
    @Override
    int topLogprobs(RequestFields f) {
        boolean on = f.bool("logprobs", false);
        long k = f.integer("top_logprobs", 0);
        if (k < 0 || k > 20) throw new ApiException(400, "'top_logprobs' must lie in [0, 20]", "top_logprobs");
        if (k > 0 && !on) throw new ApiException(400, "'top_logprobs' needs 'logprobs': true", "top_logprobs");
        return on ? (int) k : -1;
    }

    /** The chat format: {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}], "refusal": null}}. */
    @Override
    Object logprobs(List<TokenLogprob> lps, int textOffset) {
        List<Object> content = new ArrayList<>();
        for (TokenLogprob lp : lps) {
            List<Object> top = new ArrayList<>();
            for (int j = 0; j < lp.topIds().length; j++) top.add(entry(lp.topIds()[j], lp.topLogprobs()[j]));
            Map<String, Object> e = entry(lp.id(), lp.logprob());
            e.put("top_logprobs", top);
            content.add(e);
        }
        return object("content", content, "refusal", null);
    }

    private Map<String, Object> entry(int id, double logprob) {
        String t = tokenText(id);
        List<Object> bytes = new ArrayList<>();
        for (byte b : t.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return object("token", t, "logprob", logprob, "bytes", bytes);
    }

    @Override
    Map<String, Object> choice(int index, ChoiceReader reader, String text, FinishReason reason, Object logprobs) {
        Map<String, Object> message = reader.message(text);
        return object("index", index, "message", message, "logprobs", logprobs, "finish_reason", finishReason(reader, reason));
    }

    /** {@code tool_calls} when a reply that ended by itself called tools. */
    private static String finishReason(ChoiceReader reader, FinishReason reason) {
        return reason == FinishReason.STOP && reader.calledTools() ? "tool_calls" : reason.apiName();
    }

    @Override
    List<Map<String, Object>> chunkChoices(int index, ChoiceReader reader, String text, boolean first,
                                           FinishReason reason, Object logprobs) {
        List<Map<String, Object>> deltas = new ArrayList<>(reader.deltas(text));
        if (reason != null) {
            deltas.addAll(reader.finish());
            deltas.add(object());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) {
            Map<String, Object> delta = deltas.get(i);
            if (first && i == 0) { // the role goes first, with the first content
                Map<String, Object> withRole = object("role", "assistant", "content",
                        delta.containsKey("tool_calls") ? null : delta.getOrDefault("content", ""));
                delta.forEach(withRole::putIfAbsent);
                delta = withRole;
            }
            boolean last = reason != null && i == deltas.size() - 1;
            out.add(object("index", index, "delta", delta, "logprobs", i == 0 ? logprobs : null,
                    "finish_reason", last ? finishReason(reader, reason) : null));
        }
        return out;
    }
}
