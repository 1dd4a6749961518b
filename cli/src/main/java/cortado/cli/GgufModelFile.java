package cortado.cli;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.TemplateException;
import cortado.data.tokenizer.GgufVocabulary;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.gguf.GgufCheckpoint;
import cortado.nn.io.gguf.GgufFile;
import cortado.nn.io.gguf.GgufModel;
import cortado.nn.models.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@code --model} that is a GGUF file: the model as the file stores it ({@link GgufCheckpoint}), the tokenizer from
 * its {@code tokenizer.ggml.*} metadata (or {@code --tokenizer}), and its {@code tokenizer.chat_template} (null: none)
 * with {@code bos_token}/{@code eos_token} bound to the vocabulary's.
 */
record GgufModelFile(CausalLm model, Tokenizer tokenizer, ChatTemplate chatTemplate) {
    /** Whether {@code spec} names a GGUF file (by its magic, or a .gguf name that then fails with the reason). */
    static boolean is(String spec) {
        Path p = Path.of(spec);
        return !Files.isDirectory(p) && (spec.endsWith(".gguf") || GgufFile.isGguf(p));
    }

    static GgufModelFile load(Path file, Path explicitTokenizer) {
        GgufModel gm = GgufCheckpoint.load(file);
        Map<String, Object> md = gm.metadata();
        Tokenizer tok;
        GgufVocabulary vocab = null;
        if (explicitTokenizer != null) {
            tok = Tokenizers.open(explicitTokenizer);
        } else {
            vocab = GgufVocabulary.fromMetadata(md, file.toString());
            tok = vocab.tokenizer(file.toString());
        }
        if (tok.vocabSize() > gm.model().config().vocabSize())
            throw new CliException(file + ": the tokenizer has " + tok.vocabSize() + " tokens, more than the model's "
                    + gm.model().config().vocabSize());
        ChatTemplate template = null;
        if (md.get("tokenizer.chat_template") instanceof String src) {
            Map<String, Object> defaults = new HashMap<>();
            if (vocab != null && vocab.bos() >= 0) defaults.put("bos_token", vocab.tokens().get(vocab.bos()));
            if (vocab != null && vocab.eos() >= 0) defaults.put("eos_token", vocab.tokens().get(vocab.eos()));
            try {
                template = ChatTemplate.compile(src, file + ": tokenizer.chat_template").withDefaults(defaults);
            } catch (TemplateException e) {
                throw new CliException(file + ": tokenizer.chat_template: " + e.getMessage());
            }
        }
        return new GgufModelFile(gm.model(), tok, template);
    }
}
