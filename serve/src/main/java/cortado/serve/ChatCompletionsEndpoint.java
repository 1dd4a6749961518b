package cortado.serve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/chat/completions}: the messages rendered with the model's chat template (ready for the assistant's
 * turn) and encoded; a message's content is a string, null, or a list of text parts (joined, as vLLM does for
 * text-only models). The reply is the assistant's message; streamed, the first delta carries the role.
 */
final class ChatCompletionsEndpoint extends GenerationEndpoint {
    ChatCompletionsEndpoint(ServedModel served, Scheduler scheduler) { super(served, scheduler); }

    @Override
    int[] prompt(RequestFields f, ServedModel served) {
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
            messages.add(message);
        }
        return served.encodeChat(messages);
    }

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
    Map<String, Object> choice(int index, String text, String finishReason, Object logprobs) {
        return object("index", index, "message", object("role", "assistant", "content", text), "logprobs", logprobs,
                "finish_reason", finishReason);
    }

    @Override
    Map<String, Object> chunkChoice(int index, String text, boolean first, String finishReason, Object logprobs) {
        Map<String, Object> delta = first ? object("role", "assistant", "content", text)
                : text.isEmpty() && finishReason != null ? object() : object("content", text);
        return object("index", index, "delta", delta, "logprobs", logprobs, "finish_reason", finishReason);
    }
}
