package cortado.nn.generate;

import java.util.List;
import java.util.Set;

/**
 * When a sequence ends: after an end-of-sequence token (transformers' {@code eos_token_id}, an int or a list), when its
 * decoded text contains a stop string (OpenAI's {@code stop}; the text is cut before it), or after
 * {@code maxNewTokens} tokens. Each row of a batch stops on its own.
 */
public record StoppingCriteria(int maxNewTokens, Set<Integer> eosTokenIds, List<String> stopStrings) {
    public StoppingCriteria {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        eosTokenIds = Set.copyOf(eosTokenIds);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("a stop string cannot be empty");
    }

    public static StoppingCriteria maxNewTokens(int n) { return new StoppingCriteria(n, Set.of(), List.of()); }

    /**
     * Where {@code text} (a completion so far) must be cut for a stop string: the start of the earliest one it
     * contains, or -1.
     */
    public int stopStringCut(String text) {
        int cut = -1;
        for (String s : stopStrings) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        return cut;
    }
}
