package cortado.cli;

import cortado.data.tokenizer.AddedToken;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The tokenizer.json of an encoder (BERT) run: {@code --tokenizer}, else the model directory's; its post-processor
 * adds [CLS]/[SEP] and segment ids, and its vocabulary must fit the model's.
 */
record EncoderTokenizer(HfTokenizer tok, Path from) {
    static EncoderTokenizer open(Path explicit, Path modelDir, int modelVocab) {
        Path from = explicit != null ? explicit : modelDir;
        if (from == null || (explicit == null && !Tokenizers.hasTokenizer(modelDir)))
            throw new CliException((modelDir == null ? "the model" : modelDir.toString())
                    + ": no tokenizer.json; pass --tokenizer (a WordPiece tokenizer.json: cortado tokenizer train)");
        Tokenizer t = Tokenizers.open(from);
        if (!(t instanceof HfTokenizer hf))
            throw new CliException(from + ": an encoder needs a tokenizer.json (its post-processor adds [CLS] and [SEP])");
        if (hf.vocabSize() > modelVocab)
            throw new CliException(from + ": the tokenizer has " + hf.vocabSize() + " tokens, more than the model's"
                    + " vocabulary of " + modelVocab);
        return new EncoderTokenizer(hf, from);
    }

    /** The ids of the tokenizer's special added tokens ([CLS], [SEP], [PAD], [MASK], [UNK], ...). */
    Set<Integer> specialIds() {
        Set<Integer> ids = new HashSet<>();
        for (AddedToken a : tok.addedTokens()) if (a.special()) ids.add(a.id());
        return ids;
    }

    /** The id of a token the run needs, or a one-line error naming the file. */
    int require(String token) {
        int id = tok.tokenId(token);
        if (id < 0) throw new CliException(from + ": the tokenizer has no " + token + " token");
        return id;
    }

    /** Writes the tokenizer next to a model so it travels with it. */
    void saveInto(Path dir) { HfTokenizerJson.save(tok, dir.resolve("tokenizer.json")); }
}
