package cortado.data.clean;

/**
 * The whitespace-separated words of a text as (start, end) offsets, the tokenization Gopher's rules are stated in.
 * Reused between documents to avoid garbage.
 */
final class Words {
    int[] start = new int[256];
    int[] end = new int[256];
    int count;

    Words of(String text) {
        count = 0;
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            if (i == n) break;
            int s = i;
            while (i < n && !Character.isWhitespace(text.charAt(i))) i++;
            if (count == start.length) {
                start = java.util.Arrays.copyOf(start, count * 2);
                end = java.util.Arrays.copyOf(end, count * 2);
            }
            start[count] = s;
            end[count++] = i;
        }
        return this;
    }

    int length(int w) { return end[w] - start[w]; }
}
