package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes tokens one at a time for streaming output, as HF tokenizers' {@code DecodeStream}: it decodes a short
 * window of recent ids and emits only what the window adds beyond its prefix; while the text ends in U+FFFD (a token
 * stopped inside a UTF-8 sequence) nothing is emitted, so the character comes out whole once its last byte arrives.
 * {@link #finish} emits what is still held (a sequence that never completes as the U+FFFD HF's {@code decode} gives),
 * so the concatenation of everything emitted equals {@code decode} of the whole sequence.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final List<Integer> ids = new ArrayList<>();
    private String prefix = "";
    private int prefixIndex = 0;

    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one token; returns the text it completes (empty while held back). */
    public String step(int id) {
        if (prefix.isEmpty() && !ids.isEmpty()) {
            String p = decode(ids);
            if (!p.endsWith("\uFFFD")) {
                prefix = p;
                prefixIndex = ids.size();
            }
        }
        ids.add(id);
        String text = decode(ids);
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD")) return "";
        if (!text.startsWith(prefix)) {
            throw new IllegalStateException("decoding is not prefix-stable at token " + id + ": '" + prefix + "' then '" + text + "'");
        }
        String fresh = text.substring(prefix.length());
        // Keep only the ids after the old prefix as context for the next token.
        List<Integer> rest = new ArrayList<>(ids.subList(prefixIndex, ids.size()));
        int newPrefixIndex = ids.size() - prefixIndex;
        ids.clear();
        ids.addAll(rest);
        prefix = decode(ids);
        prefixIndex = newPrefixIndex;
        return fresh;
    }

    /** The text still held back (an unfinished UTF-8 sequence decodes to U+FFFD), then resets. */
    public String finish() {
        String text = decode(ids);
        String out = text.length() > prefix.length() && text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        ids.clear();
        prefix = "";
        prefixIndex = 0;
        return out;
    }

    private String decode(List<Integer> window) {
        int[] a = new int[window.size()];
        for (int i = 0; i < a.length; i++) a[i] = window.get(i);
        return tokenizer.decode(a, skipSpecialTokens);
    }
}
