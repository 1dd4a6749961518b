package cortado.data.tokenizer;

import java.util.Arrays;

/** A growable int array, for collecting token ids without boxing. */
final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) { a = new int[Math.max(4, capacity)]; }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    void addAll(int[] v, int from, int to) {
        int k = to - from;
        if (n + k > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + k));
        System.arraycopy(v, from, a, n, k);
        n += k;
    }

    int size() { return n; }

    void set(int i, int v) { a[i] = v; }

    void removeLast() { n--; }

    int get(int i) { return a[i]; }

    void clear() { n = 0; }

    int[] toArray() { return Arrays.copyOf(a, n); }
}
