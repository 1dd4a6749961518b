package cortado.data.chat;

/** A 1-based line and column in a template's source, carried by tokens and syntax nodes for error messages. */
public record Position(int line, int column) {
    /** Line/column lookup for offsets into one source text. */
    static final class Index {
        private final int[] lineStarts;

        Index(String text) {
            int n = 1;
            for (int i = 0; i < text.length(); i++) if (text.charAt(i) == '\n') n++;
            lineStarts = new int[n];
            int k = 1;
            for (int i = 0; i < text.length(); i++) if (text.charAt(i) == '\n') lineStarts[k++] = i + 1;
        }

        Position at(int offset) {
            int lo = 0, hi = lineStarts.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
            }
            return new Position(lo + 1, offset - lineStarts[lo] + 1);
        }
    }
}
