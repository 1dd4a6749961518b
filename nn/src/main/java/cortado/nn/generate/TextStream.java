package cortado.nn.generate;

import cortado.data.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Turns a stream of token ids into text that is safe to print as it comes. A token can end inside a UTF-8 character
 * (byte-level models emit one byte at a time), so trailing U+FFFD are held back until the next token completes them;
 * end-of-sequence tokens print nothing; text that could be the start of a stop string is held back until it is known
 * not to be one, and nothing from a stop string on is ever printed. It decodes the whole completion each time, so what
 * it prints is a prefix of the tokenizer's decode of every token so far.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private final Set<Integer> eos;
    private final List<String> stops;
    private int[] ids = new int[16];
    private int count, printed;
    private String text = "";

    public TextStream(Tokenizer tokenizer, Set<Integer> eosTokenIds, List<String> stopStrings) {
        this.tokenizer = tokenizer;
        this.eos = Set.copyOf(eosTokenIds);
        this.stops = List.copyOf(stopStrings);
    }

    /** Takes the next token; returns the text that can now be printed (often empty). */
    public String accept(int id) {
        if (eos.contains(id)) return "";
        if (count == ids.length) ids = Arrays.copyOf(ids, 2 * count);
        ids[count++] = id;
        text = tokenizer.decode(Arrays.copyOf(ids, count));
        int end = safeEnd(text);
        if (end <= printed) return "";
        String out = text.substring(printed, end);
        printed = end;
        return out;
    }

    /** What is left to print once the sequence has ended: the rest of the text, up to a stop string. */
    public String finish() {
        int end = text.length();
        for (String s : stops) { int at = text.indexOf(s); if (at >= 0) end = Math.min(end, at); }
        if (end <= printed) return "";
        String out = text.substring(printed, end);
        printed = end;
        return out;
    }

    private int safeEnd(String t) {
        int end = t.length();
        for (String s : stops) { int at = t.indexOf(s); if (at >= 0) end = Math.min(end, at); }
        int held = 0; // an incomplete UTF-8 sequence decodes to at most 3 U+FFFD
        while (end > 0 && held < 3 && t.charAt(end - 1) == '\uFFFD') { end--; held++; }
        for (String s : stops) // the longest tail that a stop string starts with
            for (int k = Math.min(s.length() - 1, end); k > 0; k--)
                if (t.startsWith(s.substring(0, k), end - k)) { end -= k; break; }
        return end;
    }
}
