package cortado.data.spark;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * How executors get the tokenizer: its path ({@code prepare --tokenizer}; on a cluster a path every executor can read,
 * or a file shipped with {@code --files}) and whether special-token strings in the text are matched as specials.
 */
record TokenizerSpec(String spec, boolean matchSpecialTokens) implements Serializable {
    Tokenizer load() {
        Tokenizer t = spec.equals("bytes") ? new ByteTokenizer() : Tokenizers.open(Path.of(spec));
        return matchSpecialTokens ? t : t.specialTokensAsText();
    }
}
