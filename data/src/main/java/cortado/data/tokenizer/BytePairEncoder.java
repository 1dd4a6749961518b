package cortado.data.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge loop for one pre-token (Sennrich et al. 2016; GPT-2's {@code bpe()}): start from one symbol per byte,
 * repeatedly merge the adjacent pair of lowest rank, the leftmost one on ties, until no adjacent pair has a rule.
 * Short pieces (nearly all of them) use a linear scan over a rank array; long ones (runs of spaces, base64 blobs) a
 * binary heap over a linked list, so a 100 kB piece costs n log n rather than n squared.
 */
final class BytePairEncoder {
    private static final int NONE = Integer.MAX_VALUE;
    private static final int SCAN_LIMIT = 128;

    private final MergeTable merges;
    private int[] pairRank = new int[64];

    BytePairEncoder(MergeTable merges) { this.merges = merges; }

    /** Merges {@code syms[0, n)} in place and returns the new length. */
    int merge(int[] syms, int n) {
        if (n < 2) return n;
        return n <= SCAN_LIMIT ? mergeByScan(syms, n) : mergeByHeap(syms, n);
    }

    int mergeByScan(int[] s, int n) {
        if (pairRank.length < n) pairRank = new int[Math.max(n, pairRank.length * 2)];
        int[] r = pairRank;
        for (int i = 0; i + 1 < n; i++) r[i] = merges.rank(s[i], s[i + 1]);
        while (n > 1) {
            int best = NONE, at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (r[i] < best) { best = r[i]; at = i; }
            }
            if (at < 0) break;
            s[at] = merges.result(s[at], s[at + 1]);
            System.arraycopy(s, at + 2, s, at + 1, n - at - 2);
            System.arraycopy(r, at + 2, r, at + 1, Math.max(0, n - at - 3));
            n--;
            if (at > 0) r[at - 1] = merges.rank(s[at - 1], s[at]);
            if (at + 1 < n) r[at] = merges.rank(s[at], s[at + 1]);
        }
        return n;
    }

    /**
     * Heap entries pack (rank, position) in a long so the natural order is rank first, then position: leftmost on ties.
     * An entry is stale when either symbol has since merged; stale entries are detected on pop by re-checking the rank
     * of the live pair at that position.
     */
    int mergeByHeap(int[] s, int n) {
        int[] next = new int[n], prev = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; alive[i] = true; }
        long[] heap = new long[n];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            int rk = merges.rank(s[i], s[i + 1]);
            if (rk != NONE) size = push(heap, size, pack(rk, i));
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int rk = (int) (top >>> 32), i = (int) top;
            if (!alive[i]) continue;
            int j = next[i];
            if (j < 0 || merges.rank(s[i], s[j]) != rk) continue;
            if (size + 2 > heap.length) heap = Arrays.copyOf(heap, heap.length * 2 + 2);
            s[i] = merges.result(s[i], s[j]);
            alive[j] = false;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            if (prev[i] >= 0) {
                int p = prev[i], pr = merges.rank(s[p], s[i]);
                if (pr != NONE) size = push(heap, size, pack(pr, p));
            }
            if (next[i] >= 0) {
                int nr = merges.rank(s[i], s[next[i]]);
                if (nr != NONE) size = push(heap, size, pack(nr, i));
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) s[m++] = s[i];
        return m;
    }

    private static long pack(int rank, int pos) { return ((long) rank << 32) | pos; }

    private static int push(long[] h, int size, long v) {
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (h[p] <= v) break;
            h[i] = h[p];
            i = p;
        }
        h[i] = v;
        return size;
    }

    private static int pop(long[] h, int size) {
        long last = h[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && h[c + 1] < h[c]) c++;
            if (h[c] >= last) break;
            h[i] = h[c];
            i = c;
        }
        if (size > 0) h[i] = last;
        return size;
    }
}
