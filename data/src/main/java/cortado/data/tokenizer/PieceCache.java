package cortado.data.tokenizer;

import java.util.Arrays;

/**
 * Piece text -> token ids, looked up by a char range of the input without first copying it into a String (the copy
 * and its hash were a third of encoding time). Open addressing; when half full it is simply emptied, which keeps memory
 * bounded and, on natural text, costs little because frequent pieces come back at once.
 */
final class PieceCache {
    private final String[] keys;
    private final int[] hashes;
    private final int[][] values;
    private final int mask;
    private int size;

    PieceCache(int capacityPow2) {
        keys = new String[capacityPow2];
        hashes = new int[capacityPow2];
        values = new int[capacityPow2][];
        mask = capacityPow2 - 1;
    }

    static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + s.charAt(i);
        return h ^ (h >>> 16);
    }

    int[] get(String s, int from, int to, int h) {
        int len = to - from;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) return null;
            if (hashes[i] == h && k.length() == len && k.regionMatches(0, s, from, len)) return values[i];
        }
    }

    void put(String s, int from, int to, int h, int[] ids) {
        if (size * 2 >= keys.length) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
        }
        int i = h & mask;
        while (keys[i] != null) i = (i + 1) & mask;
        keys[i] = s.substring(from, to);
        hashes[i] = h;
        values[i] = ids;
        size++;
    }
}
