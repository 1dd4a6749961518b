package cortado.serve.json;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The vocabulary's token bytes as a trie, so a grammar checks each distinct prefix once: every token that shares its
 * first k bytes with another shares the automaton's state after them, and a dead prefix rules out every token below
 * it at once (the token-trie walk of Outlines and llama.cpp's grammar sampler). Node 0 is the root; children are
 * linked first-child / next-sibling in byte order.
 */
public final class TokenTrie {
    final int[] firstChild, nextSibling;
    final byte[] label;
    /** The tokens ending at node i are {@code tokens[tokenFrom[i] .. tokenFrom[i + 1])}. */
    final int[] tokenFrom, tokens;
    private final int vocab;

    /** A trie of {@code bytes} (index = token id; null entries are left out). */
    public TokenTrie(byte[][] bytes) {
        this.vocab = bytes.length;
        Integer[] order = new Integer[bytes.length];
        int n = 0;
        for (int id = 0; id < bytes.length; id++) if (bytes[id] != null) order[n++] = id;
        order = Arrays.copyOf(order, n);
        Arrays.sort(order, Comparator.comparing(id -> bytes[id], Arrays::compareUnsigned));
        int capacity = 1;
        for (Integer id : order) capacity += bytes[id].length;
        int[] first = new int[capacity], next = new int[capacity], last = new int[capacity], endsAt = new int[n];
        byte[] lab = new byte[capacity];
        Arrays.fill(first, -1);
        Arrays.fill(next, -1);
        Arrays.fill(last, -1);
        int nodes = 1;
        int[] path = new int[1];
        byte[] prev = new byte[0];
        for (int t = 0; t < n; t++) {
            byte[] b = bytes[order[t]];
            if (path.length < b.length + 1) path = Arrays.copyOf(path, b.length + 1);
            int mismatch = Arrays.mismatch(prev, b), common = mismatch < 0 ? b.length : mismatch; // shared with prev
            for (int d = common; d < b.length; d++) { // new nodes below path[d]
                int parent = path[d], node = nodes++;
                lab[node] = b[d];
                if (last[parent] < 0) first[parent] = node;
                else next[last[parent]] = node;
                last[parent] = node;
                path[d + 1] = node;
            }
            endsAt[t] = path[b.length];
            prev = b;
        }
        this.firstChild = Arrays.copyOf(first, nodes);
        this.nextSibling = Arrays.copyOf(next, nodes);
        this.label = Arrays.copyOf(lab, nodes);
        this.tokenFrom = new int[nodes + 1];
        for (int t = 0; t < n; t++) tokenFrom[endsAt[t] + 1]++;
        for (int i = 0; i < nodes; i++) tokenFrom[i + 1] += tokenFrom[i];
        this.tokens = new int[n];
        int[] fill = Arrays.copyOf(tokenFrom, nodes);
        for (int t = 0; t < n; t++) tokens[fill[endsAt[t]]++] = order[t];
    }

    /** How many ids the vocabulary has (tokens without bytes included). */
    public int vocab() { return vocab; }

    /** How many nodes the trie has, the root included. */
    public int nodes() { return label.length; }
}
