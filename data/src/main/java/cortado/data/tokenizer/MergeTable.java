package cortado.data.tokenizer;

import java.util.Arrays;

/**
 * The merge rules of a BPE vocabulary: (left id, right id) -> (rank, merged id). Lower rank merges first. An
 * open-addressing hash on the packed pair, because a boxed HashMap lookup per adjacent pair would dominate encoding.
 */
public final class MergeTable {
    private long[] keys;
    private int[] ranks;
    private int[] results;
    private int size;
    private int mask;

    public MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        ranks = new int[cap];
        results = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) { return ((long) left << 32) | (right & 0xffffffffL); }

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds a rule; an existing rule for the same pair is kept when its rank is lower. */
    public void put(int left, int right, int rank, int result) {
        if ((size + 1) * 2 > keys.length) grow();
        long k = key(left, right);
        int s = slot(k, mask);
        while (keys[s] != -1L) {
            if (keys[s] == k) {
                if (rank < ranks[s]) { ranks[s] = rank; results[s] = result; }
                return;
            }
            s = (s + 1) & mask;
        }
        keys[s] = k;
        ranks[s] = rank;
        results[s] = result;
        size++;
    }

    /** Rank of merging {@code left right}, or {@link Integer#MAX_VALUE} when they do not merge. */
    public int rank(int left, int right) {
        long k = key(left, right);
        int s = slot(k, mask);
        long[] ks = keys;
        while (true) {
            long x = ks[s];
            if (x == k) return ranks[s];
            if (x == -1L) return Integer.MAX_VALUE;
            s = (s + 1) & mask;
        }
    }

    /** The id that {@code left right} merge into, or -1. */
    public int result(int left, int right) {
        long k = key(left, right);
        int s = slot(k, mask);
        while (true) {
            long x = keys[s];
            if (x == k) return results[s];
            if (x == -1L) return -1;
            s = (s + 1) & mask;
        }
    }

    public int size() { return size; }

    private void grow() {
        long[] ok = keys;
        int[] or = ranks, ores = results;
        keys = new long[ok.length * 2];
        Arrays.fill(keys, -1L);
        ranks = new int[ok.length * 2];
        results = new int[ok.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != -1L) put((int) (ok[i] >>> 32), (int) ok[i], or[i], ores[i]);
        }
    }
}
