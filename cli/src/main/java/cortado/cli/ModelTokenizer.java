package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import java.nio.file.Path;

/**
 * The tokenizer that goes with a model: a checkpoint directory holding tokenizer files (tokenizer.json, GPT-2's
 * encoder.json + vocab.bpe or vocab.json + merges.txt, vocab.txt) gets that tokenizer; otherwise byte-level models (vocabulary 257, the small presets) use
 * {@link ByteTokenizer}. Other models need their tokenizer files, which this does not read yet, so it returns null and
 * callers ask for pre-tokenized input.
 */
final class ModelTokenizer {
    private ModelTokenizer() {}

    /** @param dir the checkpoint directory the model came from, or null for a preset */
    static Tokenizer forModel(CausalLm model, Path dir) {
        if (dir != null && cortado.data.tokenizer.Tokenizers.hasTokenizer(dir)) return cortado.data.tokenizer.Tokenizers.open(dir);
        if (model.config().vocabSize() == new ByteTokenizer().vocabSize()) return new ByteTokenizer();
        return null;
    }
}
