package cortado.serve.json;

/**
 * One sequence held to a {@link JsonGrammar}: before each token, {@link #mask} removes from the logits every token
 * whose bytes cannot continue a document of the schema (and the end-of-sequence tokens until the document is
 * complete; after that they are all that is left); after it, {@link #accept} advances by the chosen token's bytes.
 * Used by one thread at a time (the scheduler's).
 */
public final class JsonConstraint {
    private final JsonGrammar grammar;
    private JsonAutomaton.State state;

    JsonConstraint(JsonGrammar grammar, JsonAutomaton.State state) {
        this.grammar = grammar;
        this.state = state;
    }

    /** Sets the logit of every token not allowed now to -infinity (ids past the tokenizer's vocabulary included). */
    public void mask(float[] logits) {
        long[] bits = grammar.allowed(state);
        int vocab = grammar.vocab();
        for (int id = 0; id < logits.length; id++)
            if (id >= vocab || (bits[id >>> 6] & (1L << id)) == 0) logits[id] = Float.NEGATIVE_INFINITY;
    }

    /** Whether no token at all is allowed (a complete document and no end-of-sequence id to end it with). */
    public boolean exhausted() {
        for (long w : grammar.allowed(state)) if (w != 0) return false;
        return true;
    }

    /** Advances past token {@code id}; an id {@link #mask} would have removed is a bug in the caller. */
    public void accept(int id) {
        if (grammar.isEos(id) && grammar.automaton().complete(state)) return;
        byte[] b = grammar.bytes(id);
        JsonAutomaton.State next = b == null ? null : grammar.automaton().feed(state, b);
        if (next == null || next.dead())
            throw new IllegalStateException("token " + id + " cannot continue the JSON document here");
        state = next;
    }

    /** Whether the bytes so far are a whole document. */
    public boolean complete() { return grammar.automaton().complete(state); }
}
