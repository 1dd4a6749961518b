package cortado.data.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * HF's ByteLevel pre-tokenizer: optionally a space before each piece that does not start with one
 * ({@code add_prefix_space}), optionally GPT-2's split regex ({@code use_regex}), then every piece spelled in
 * {@link ByteLevel} characters, one per UTF-8 byte.
 */
public record ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) implements PreTokenizerStep {
    private static final PreTokenizer GPT2 = PreTokenizers.forPattern(SplitPatterns.GPT2_ORIGINAL, true);

    @Override
    public void split(String text, int offset, Sink out) {
        String t = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
        if (!useRegex) {
            out.piece(spell(t), offset);
            return;
        }
        GPT2.split(t, 0, t.length(), (s, e) -> out.piece(spell(t.substring(s, e)), offset + s));
    }

    static String spell(String s) { return ByteLevel.encode(s.getBytes(StandardCharsets.UTF_8)); }
}
