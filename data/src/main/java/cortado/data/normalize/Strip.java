package cortado.data.normalize;

/** HF's {@code Strip} normalizer: removes leading and/or trailing Unicode White_Space. */
public record Strip(boolean left, boolean right) implements TextNormalizer {
    @Override
    public String normalize(String text) {
        int start = 0, end = text.length();
        if (left) {
            while (start < end) {
                int cp = text.codePointAt(start);
                if (!WhitespaceCleanup.isWhitespace(cp)) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = text.codePointBefore(end);
                if (!WhitespaceCleanup.isWhitespace(cp)) break;
                end -= Character.charCount(cp);
            }
        }
        return text.substring(start, end);
    }
}
