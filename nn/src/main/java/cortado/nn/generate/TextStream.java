package cortado.nn.generate;

import cortado.data.tokenizer.StreamingDecoder;
import cortado.data.tokenizer.Tokenizer;
import java.util.List;
import java.util.Set;

/**
 * Turns a stream of token ids into text that is safe to print as it comes: the tokenizer's {@link StreamingDecoder}
 * holds back a token that ends inside a UTF-8 character until the character completes; end-of-sequence tokens print
 * nothing; text that could be the start of a stop string is held back until it is known not to be one, and nothing
 * from a stop string on is ever printed (as OpenAI's streamed completions).
 */
public final class TextStream {
    private final StreamingDecoder decoder;
    private final Set<Integer> eos;
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int printed;

    public TextStream(Tokenizer tokenizer, Set<Integer> eosTokenIds, List<String> stopStrings) {
        this(tokenizer, eosTokenIds, stopStrings, false);
    }

    /** As above; {@code skipSpecialTokens} leaves special tokens out of the text (HF's and vLLM's default for replies). */
    public TextStream(Tokenizer tokenizer, Set<Integer> eosTokenIds, List<String> stopStrings, boolean skipSpecialTokens) {
        this.decoder = new StreamingDecoder(tokenizer, skipSpecialTokens);
        this.eos = Set.copyOf(eosTokenIds);
        this.stops = List.copyOf(stopStrings);
    }

    /** Takes the next token; returns the text that can now be printed (often empty). */
    public String accept(int id) {
        if (eos.contains(id)) return "";
        text.append(decoder.step(id));
        return emit(safeEnd());
    }

    /** What is left to print once the sequence has ended: the rest of the text, up to a stop string. */
    public String finish() {
        text.append(decoder.finish());
        return emit(stopCut());
    }

    /** Whether the text so far contains a stop string (the sequence should end). */
    public boolean reachedStop() { return stopCut() < text.length(); }

    private String emit(int end) {
        if (end <= printed) return "";
        String out = text.substring(printed, end);
        printed = end;
        return out;
    }

    /** The start of the earliest stop string in the text, else its length. */
    private int stopCut() {
        int end = text.length();
        for (String s : stops) { int at = text.indexOf(s); if (at >= 0) end = Math.min(end, at); }
        return end;
    }

    /** {@link #stopCut} less the longest tail of the text that a stop string starts with. */
    private int safeEnd() {
        int end = stopCut(), held = 0;
        for (String s : stops)
            for (int k = Math.min(s.length() - 1, end); k > held; k--)
                if (text.substring(end - k, end).equals(s.substring(0, k))) { held = k; break; }
        return end - held;
    }
}
