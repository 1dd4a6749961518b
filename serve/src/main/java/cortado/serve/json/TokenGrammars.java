package cortado.serve.json;

import cortado.data.tokenizer.Tokenizer;
import java.util.Set;

/**
 * Grammars over one served vocabulary: its token bytes and trie are built on the first constrained request (a
 * 50k vocabulary takes a fraction of a second) and shared by every grammar after it.
 */
public final class TokenGrammars {
    private final Tokenizer tokenizer;
    private final Set<Integer> eos;
    private byte[][] bytes;
    private TokenTrie trie;

    public TokenGrammars(Tokenizer tokenizer, Set<Integer> eosTokenIds) {
        this.tokenizer = tokenizer;
        this.eos = Set.copyOf(eosTokenIds);
    }

    /** The grammar of {@code schema} over this vocabulary. */
    public synchronized JsonGrammar grammar(SchemaNode schema) {
        if (trie == null) {
            bytes = TokenBytes.of(tokenizer);
            trie = new TokenTrie(bytes);
        }
        return new JsonGrammar(schema, trie, bytes, eos);
    }
}
