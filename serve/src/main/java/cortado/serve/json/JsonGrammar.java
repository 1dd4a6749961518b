package cortado.serve.json;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A schema's automaton over one vocabulary: which tokens may come next in each state, found by walking the
 * {@link TokenTrie} from the state and pruning every subtree whose prefix is already dead. The sets are kept per
 * state (a state repeats often: inside a string it does not change from byte to byte), so a long string costs one
 * walk. One grammar serves every sequence of a request; {@link JsonConstraint} is one sequence's position in it.
 */
public final class JsonGrammar {
    private static final int MAX_CACHED = 4096;

    private final JsonAutomaton automaton;
    private final TokenTrie trie;
    private final byte[][] tokenBytes;
    private final Set<Integer> eos;
    private final Map<JsonAutomaton.State, long[]> allowed = new ConcurrentHashMap<>();

    /**
     * @param tokenBytes each id's bytes ({@link TokenBytes}), the same the trie was built from
     * @param eosTokenIds the ids that may end a complete document (and only one)
     */
    public JsonGrammar(SchemaNode schema, TokenTrie trie, byte[][] tokenBytes, Set<Integer> eosTokenIds) {
        this.automaton = new JsonAutomaton(schema);
        this.trie = trie;
        this.tokenBytes = tokenBytes;
        this.eos = Set.copyOf(eosTokenIds);
    }

    public JsonAutomaton automaton() { return automaton; }

    /** A new sequence at the start of a document. */
    public JsonConstraint start() { return new JsonConstraint(this, automaton.start()); }

    int vocab() { return trie.vocab(); }

    byte[] bytes(int id) { return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : null; }

    boolean isEos(int id) { return eos.contains(id); }

    /** The ids allowed after {@code s} as a bit set (end-of-sequence ids included once the document is complete). */
    long[] allowed(JsonAutomaton.State s) {
        long[] bits = allowed.get(s);
        if (bits != null) return bits;
        bits = new long[(trie.vocab() + 63) / 64];
        walk(0, s, bits);
        if (automaton.complete(s))
            for (int id : eos) if (id >= 0 && id < trie.vocab()) bits[id >>> 6] |= 1L << id;
        if (allowed.size() >= MAX_CACHED) allowed.clear();
        allowed.put(s, bits);
        return bits;
    }

    private void walk(int node, JsonAutomaton.State s, long[] bits) {
        for (int c = trie.firstChild[node]; c >= 0; c = trie.nextSibling[c]) {
            JsonAutomaton.State t = automaton.feed(s, trie.label[c] & 0xff);
            if (t.dead()) continue;
            for (int i = trie.tokenFrom[c]; i < trie.tokenFrom[c + 1]; i++) {
                int id = trie.tokens[i];
                bits[id >>> 6] |= 1L << id;
            }
            walk(c, t, bits);
        }
    }
}
