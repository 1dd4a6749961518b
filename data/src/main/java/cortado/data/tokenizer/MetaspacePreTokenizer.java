package cortado.data.tokenizer;

/**
 * HF's Metaspace pre-tokenizer (SentencePiece's view of spaces): every space becomes {@code replacement} (▁), a
 * replacement is prepended to a piece that does not start with one (always, only at the start of the text, or never),
 * and with {@code split} the text is cut before each replacement (MergedWithNext).
 */
public record MetaspacePreTokenizer(char replacement, Prepend prepend, boolean split) implements PreTokenizerStep {
    public enum Prepend { ALWAYS, FIRST, NEVER }

    @Override
    public void split(String text, int offset, Sink out) {
        String t = text.replace(' ', replacement);
        boolean add = switch (prepend) {
            case ALWAYS -> true;
            case FIRST -> offset == 0;
            case NEVER -> false;
        };
        if (add && (t.isEmpty() || t.charAt(0) != replacement)) t = replacement + t;
        if (!split) {
            if (!t.isEmpty()) out.piece(t, offset);
            return;
        }
        char r = replacement;
        SplitBehavior.MERGED_WITH_NEXT.emit(t, offset, SplitBehavior.charMatches(t, c -> c == r), out);
    }
}
