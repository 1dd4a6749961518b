package cortado.serve.rag;

import cortado.data.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document into chunks of at most {@code size} characters or tokens, each starting {@code overlap} or fewer
 * units before the previous one ended, cut on the strongest boundary available. From a chunk's start (the start of a
 * word), the farthest word end that keeps the chunk within size is found; the chunk then ends at the last paragraph
 * end (a blank line follows) in the second half of that span if there is one, else at the last sentence end
 * (. ! ? possibly closed by a quote or bracket, then whitespace), else at that word end. A single word longer than
 * size is cut inside. The next chunk starts at the earliest word start whose span to the previous chunk's end fits in
 * overlap (no overlap: the next word; after a word cut inside: where the cut was). Chunks hold no leading or trailing whitespace. Token sizes count the
 * embedding model's tokens of the chunk's text (without [CLS]/[SEP]).
 */
public final class Chunker {
    private final ChunkUnit unit;
    private final int size, overlap;
    private final Tokenizer tokenizer;

    public Chunker(ChunkUnit unit, int size, int overlap, Tokenizer tokenizer) {
        if (size <= 0) throw new IllegalArgumentException("chunk size must be positive, got " + size);
        if (overlap < 0 || overlap >= size)
            throw new IllegalArgumentException("overlap must lie in [0, size), got " + overlap + " for size " + size);
        if (unit == ChunkUnit.TOKENS && tokenizer == null)
            throw new IllegalArgumentException("token chunking needs a tokenizer");
        this.unit = unit;
        this.size = size;
        this.overlap = overlap;
        this.tokenizer = tokenizer;
    }

    public static Chunker ofChars(int size, int overlap) { return new Chunker(ChunkUnit.CHARS, size, overlap, null); }

    /** The length of text[s, e) in this chunker's unit. */
    private int length(String text, int s, int e) {
        return unit == ChunkUnit.CHARS ? e - s : tokenizer.encodeOrdinary(text.substring(s, e)).length;
    }

    public List<Chunk> split(String source, String text) {
        Boundaries b = new Boundaries(text);
        List<Chunk> chunks = new ArrayList<>();
        if (b.wordStarts.length == 0) return chunks;
        int lastEnd = b.wordEnds[b.wordEnds.length - 1];
        int s = b.wordStarts[0];
        while (true) {
            int e = end(text, b, s);
            chunks.add(new Chunk(source, chunks.size(), s, e, text.substring(s, e)));
            if (e >= lastEnd) return chunks;
            boolean insideWord = !Character.isWhitespace(text.charAt(e)) && !Character.isWhitespace(text.charAt(e - 1));
            int next = insideWord ? e : overlap == 0 ? -1 : overlapStart(text, b, s, e);   // a cut word goes on at e
            if (next <= s) next = b.wordStarts[firstAtOrAfter(b.wordStarts, e)];
            s = next;
        }
    }

    /** Where the chunk starting at s ends. */
    private int end(String text, Boundaries b, int s) {
        int[] ends = b.wordEnds;
        int lo = firstAtOrAfter(ends, s + 1), hi = ends.length - 1, fit = -1;
        while (lo <= hi) {   // the farthest word end within size (lengths grow with the end)
            int mid = (lo + hi) >>> 1;
            if (length(text, s, ends[mid]) <= size) {
                fit = mid;
                lo = mid + 1;
            } else hi = mid - 1;
        }
        if (fit < 0) return hardCut(text, s, ends[firstAtOrAfter(ends, s + 1)]);
        int wordEnd = ends[fit];
        if (fit == ends.length - 1) return wordEnd;
        int half = s + (wordEnd - s) / 2;
        int p = lastIn(b.paragraphEnds, half, wordEnd);
        if (p > 0) return p;
        int q = lastIn(b.sentenceEnds, half, wordEnd);
        return q > 0 ? q : wordEnd;
    }

    /** The farthest position inside the word [s, wordEnd) keeping the chunk within size (not splitting a surrogate pair). */
    private int hardCut(String text, int s, int wordEnd) {
        int lo = s + 1, hi = wordEnd - 1, fit = s + 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (length(text, s, mid) <= size) {
                fit = mid;
                lo = mid + 1;
            } else hi = mid - 1;
        }
        if (Character.isLowSurrogate(text.charAt(fit)) && fit > s + 1) fit--;
        else if (Character.isLowSurrogate(text.charAt(fit))) fit++;
        return fit;
    }

    /** The earliest word start in (s, e) whose span to e fits in overlap, or -1. */
    private int overlapStart(String text, Boundaries b, int s, int e) {
        int[] starts = b.wordStarts;
        int lo = firstAtOrAfter(starts, s + 1), hi = firstAtOrAfter(starts, e) - 1, best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (length(text, starts[mid], e) <= overlap) {
                best = starts[mid];
                hi = mid - 1;
            } else lo = mid + 1;
        }
        return best;
    }

    /** The index of the first entry >= x (a.length when none). */
    private static int firstAtOrAfter(int[] a, int x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** The last entry in (from, to], or -1. */
    private static int lastIn(int[] a, int from, int to) {
        int i = firstAtOrAfter(a, to + 1) - 1;
        return i >= 0 && a[i] > from ? a[i] : -1;
    }

    /** Word starts and ends, sentence ends and paragraph ends of a text, ascending. */
    private static final class Boundaries {
        final int[] wordStarts, wordEnds, sentenceEnds, paragraphEnds;

        Boundaries(String t) {
            List<Integer> starts = new ArrayList<>(), ends = new ArrayList<>(), sentences = new ArrayList<>(),
                    paragraphs = new ArrayList<>();
            int n = t.length();
            for (int i = 0; i < n; i++) {
                boolean ws = Character.isWhitespace(t.charAt(i));
                boolean prevWs = i == 0 || Character.isWhitespace(t.charAt(i - 1));
                if (!ws && prevWs) starts.add(i);
                if (ws && !prevWs) addEnd(t, i, ends, sentences, paragraphs);
            }
            if (n > 0 && !Character.isWhitespace(t.charAt(n - 1))) addEnd(t, n, ends, sentences, paragraphs);
            wordStarts = ints(starts);
            wordEnds = ints(ends);
            sentenceEnds = ints(sentences);
            paragraphEnds = ints(paragraphs);
        }

        private static void addEnd(String t, int e, List<Integer> ends, List<Integer> sentences, List<Integer> paragraphs) {
            ends.add(e);
            int last = e - 1;
            while (last > 0 && "\"')]”’".indexOf(t.charAt(last)) >= 0) last--;
            if (".!?".indexOf(t.charAt(last)) >= 0) sentences.add(e);
            int newlines = 0, j = e;
            while (j < t.length() && Character.isWhitespace(t.charAt(j))) if (t.charAt(j++) == '\n') newlines++;
            if (newlines >= 2 || j == t.length()) paragraphs.add(e);
        }

        private static int[] ints(List<Integer> l) { return l.stream().mapToInt(Integer::intValue).toArray(); }
    }
}
