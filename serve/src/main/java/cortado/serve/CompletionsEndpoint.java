package cortado.serve;

import cortado.nn.generate.FinishReason;
import cortado.serve.feedback.ConversationLog;
import cortado.serve.json.TokenGrammars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/completions}: OpenAI's legacy completions. The prompt is a string, a one-string list, or token ids
 * (a list of integers, or a one-list list of them); several prompts in one request are refused (send them as
 * separate requests: they are batched together anyway).
 */
final class CompletionsEndpoint extends GenerationEndpoint {
    CompletionsEndpoint(ServedModel served, Scheduler scheduler, TokenGrammars grammars, ConversationLog log) {
        super(served, scheduler, grammars, log);
    }

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

    @Override String kind() { return "completion"; }

    @Override Object loggedInput(RequestFields f) { return f.body().get("prompt"); }

    /** The prompt string as sent, or the text of its token ids. */
    @Override
    String loggedPromptText(RequestFields f, ServedModel served) {
        Object p = f.body().get("prompt");
        if (p instanceof List<?> l && l.size() == 1 && l.get(0) instanceof String s) return s;
        return p instanceof String s ? s : served.tokenizer().decode(prompt(f, served));
    }

    @Override String object(boolean chunk) { return "text_completion"; }

    /** {@code logprobs}: an integer, the alternatives per token (0 to 20; 0: the chosen token's only). */
    @Override
    int topLogprobs(RequestFields f) {
        if (!f.has("logprobs")) return -1;
        long k = f.integer("logprobs", -1);
        if (k < 0 || k > 20) throw new ApiException(400, "'logprobs' must lie in [0, 20]", "logprobs");
        return (int) k;
    }

    /** The legacy format: parallel lists of tokens, their log-probabilities, top alternatives and text offsets. */
    @Override
    Object logprobs(List<TokenLogprob> lps, int textOffset) {
        List<Object> tokens = new ArrayList<>(), values = new ArrayList<>(), tops = new ArrayList<>(), offsets = new ArrayList<>();
        for (TokenLogprob lp : lps) {
            String t = tokenText(lp.id());
            tokens.add(t);
            values.add(lp.logprob());
            Map<String, Object> top = new LinkedHashMap<>();
            for (int j = 0; j < lp.topIds().length; j++) top.putIfAbsent(tokenText(lp.topIds()[j]), lp.topLogprobs()[j]);
            tops.add(top);
            offsets.add(textOffset);
            textOffset += t.length();
        }
        return object("tokens", tokens, "token_logprobs", values, "top_logprobs", tops, "text_offset", offsets);
    }

    /** Completions have no tools: the text is the answer. */
    @Override ChoiceReader reader(RequestFields f) { return null; }

    @Override
    Map<String, Object> choice(int index, ChoiceReader reader, String text, FinishReason reason, Object logprobs) {
        return object("text", text, "index", index, "logprobs", logprobs, "finish_reason",
                reason == null ? null : reason.apiName());
    }

    @Override
    List<Map<String, Object>> chunkChoices(int index, ChoiceReader reader, String text, boolean first,
                                           FinishReason reason, Object logprobs) {
        return List.of(choice(index, reader, text, reason, logprobs));
    }
}
