package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.models.CausalLm;
import java.nio.file.Path;

/**
 * The tokenizer that goes with a model: the one given with {@code --tokenizer}, else the tokenizer files in the
 * model's checkpoint directory (tokenizer.json, encoder.json + vocab.bpe, ...), else {@link ByteTokenizer} for
 * byte-level models (vocabulary 257, the small presets). Null when none applies; callers then ask for pre-tokenized
 * input.
 */
final class ModelTokenizer {
    private ModelTokenizer() {}

    /**
     * @param explicit the --tokenizer path, or null
     * @param dir      the checkpoint directory the model came from, or null for a preset
     */
    static Tokenizer forModel(CausalLm model, Path explicit, Path dir) {
        Tokenizer tok = null;
        String from = null;
        if (explicit != null) {
            tok = Tokenizers.open(explicit);
            from = explicit.toString();
        } else if (dir != null && Tokenizers.hasTokenizer(dir)) {
            tok = Tokenizers.open(dir);
            from = dir.toString();
        } else if (model.config().vocabSize() == new ByteTokenizer().vocabSize()) {
            return new ByteTokenizer();
        }
        if (tok != null && tok.vocabSize() > model.config().vocabSize())
            throw new CliException(from + ": the tokenizer has " + tok.vocabSize() + " tokens, more than the model's "
                    + "vocabulary of " + model.config().vocabSize());
        return tok;
    }
}
