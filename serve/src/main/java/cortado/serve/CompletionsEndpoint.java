package cortado.serve;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/completions}: OpenAI's legacy completions. The prompt is a string, a one-string list, or token ids
 * (a list of integers, or a one-list list of them); several prompts in one request are refused (send them as
 * separate requests: they are batched together anyway).
 */
final class CompletionsEndpoint extends GenerationEndpoint {
    CompletionsEndpoint(ServedModel served, Scheduler scheduler) { super(served, scheduler); }

    @Override
    int[] prompt(RequestFields f, ServedModel served) {
        Object p = f.body().get("prompt");
        if (p == null) throw new ApiException(400, "'prompt' is required", "prompt", "missing_required_parameter");
        if (p instanceof List<?> l && l.size() == 1 && (l.getFirst() instanceof String || l.getFirst() instanceof List))
            p = l.getFirst();
        if (p instanceof String s) return served.encodeText(s);
        if (p instanceof List<?> l && !l.isEmpty()) {
            int vocab = served.model().config().vocabSize();
            int[] ids = new int[l.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!(l.get(i) instanceof Long id)) {
                    if (l.get(i) instanceof String || l.get(i) instanceof List)
                        throw new ApiException(400, "only one prompt per request is supported", "prompt");
                    throw RequestFields.wrongType("prompt", "a string or a list of token ids");
                }
                if (id < 0 || id >= vocab)
                    throw new ApiException(400, "prompt token " + id + " is outside the vocabulary [0, " + vocab + ")",
                            "prompt");
                ids[i] = (int) (long) id;
            }
            return ids;
        }
        throw RequestFields.wrongType("prompt", "a string or a list of token ids");
    }

    @Override
    long maxTokens(RequestFields f) {
        if (!f.has("max_tokens")) return -1;
        long n = f.integer("max_tokens", 0);
        if (n < 1) throw new ApiException(400, "'max_tokens' must be at least 1", "max_tokens");
        return n;
    }

    @Override String idPrefix() { return "cmpl-"; }

    @Override String object(boolean chunk) { return "text_completion"; }

    @Override
    Map<String, Object> choice(int index, String text, String finishReason) {
        return object("text", text, "index", index, "logprobs", null, "finish_reason", finishReason);
    }

    @Override
    Map<String, Object> chunkChoice(int index, String text, boolean first, String finishReason) {
        return choice(index, text, finishReason);
    }
}
