package cortado.data.clean;

/**
 * Word shingles of a text as 64-bit hashes. Words are maximal runs of letters and digits, lower-cased, so punctuation,
 * case and spacing do not make near duplicates look different. A text with fewer words than the shingle size is one
 * shingle of all its words; a text without words has no shingles.
 */
public final class Shingles {
    private long[] words = new long[256];
    private long[] shingles = new long[256];
    private int count;

    /** Computes the shingles of {@code text} into this object's buffer (reused between calls); returns how many. */
    public int compute(CharSequence text, int shingleSize) {
        int n = 0;
        long h = 0;
        boolean in = false;
        for (int i = 0, len = text.length(); i < len; i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                if (!in) { h = 0xcbf29ce484222325L; in = true; }
                h ^= Character.toLowerCase(c);
                h *= 0x100000001b3L;
            } else if (in) {
                if (n == words.length) words = java.util.Arrays.copyOf(words, n * 2);
                words[n++] = Hashing.mix64(h);
                in = false;
            }
        }
        if (in) {
            if (n == words.length) words = java.util.Arrays.copyOf(words, n * 2);
            words[n++] = Hashing.mix64(h);
        }
        if (n == 0) return count = 0;
        int k = Math.min(shingleSize, n);
        count = n - k + 1;
        if (shingles.length < count) shingles = new long[Math.max(count, shingles.length * 2)];
        for (int i = 0; i < count; i++) shingles[i] = Hashing.combine(words, i, k);
        return count;
    }

    /** The buffer holding the last {@link #compute} result in its first {@link #count()} entries. */
    public long[] hashes() { return shingles; }

    public int count() { return count; }

    /** The distinct shingle hashes of the last result, sorted: the set exact Jaccard is computed on. */
    public long[] sortedSet() {
        long[] s = java.util.Arrays.copyOf(shingles, count);
        java.util.Arrays.sort(s);
        int u = 0;
        for (int i = 0; i < s.length; i++) if (i == 0 || s[i] != s[i - 1]) s[u++] = s[i];
        return u == s.length ? s : java.util.Arrays.copyOf(s, u);
    }

    /** |A ∩ B| / |A ∪ B| of two sorted sets without duplicates. */
    public static double jaccard(long[] a, long[] b) {
        if (a.length == 0 && b.length == 0) return 1;
        int i = 0, j = 0, inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) { inter++; i++; j++; }
            else if (a[i] < b[j]) i++;
            else j++;
        }
        return (double) inter / (a.length + b.length - inter);
    }
}
