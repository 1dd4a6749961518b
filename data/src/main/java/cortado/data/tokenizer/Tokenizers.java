package cortado.data.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a tokenizer from what a user points at: a {@code tokenizer.json}; a SentencePiece {@code tokenizer.model}
 * (converted as transformers does, with the {@code tokenizer_config.json} beside it); a directory holding
 * {@code tokenizer.json}, {@code tokenizer.model},
 * {@code encoder.json} + {@code vocab.bpe}, or {@code vocab.txt}; a {@code .tiktoken} rank file (pattern and special
 * tokens chosen by its name, as tiktoken does; {@code pattern} overrides); or a BERT {@code vocab.txt} (uncased unless
 * {@code cased}). Files may be gzip-compressed ({@code .gz}).
 */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer open(Path path) { return open(path, null, false); }

    /** True when {@code dir} holds tokenizer files that {@link #open} reads. */
    public static boolean hasTokenizer(Path dir) {
        return Files.isDirectory(dir) && (exists(dir, "tokenizer.json") || Files.exists(dir.resolve("tokenizer.model")) || (exists(dir, "encoder.json") && exists(dir, "vocab.bpe"))
                || (Files.exists(dir.resolve("vocab.json")) && Files.exists(dir.resolve("merges.txt"))) || exists(dir, "vocab.txt"));
    }

    public static Tokenizer open(Path path, String pattern, boolean cased) {
        if (Files.isDirectory(path)) {
            for (String n : new String[] {"tokenizer.json", "tokenizer.json.gz"}) {
                if (Files.exists(path.resolve(n))) return HfTokenizerJson.load(path.resolve(n));
            }
            // A SentencePiece checkpoint without tokenizer.json: converted as transformers does (tokenizer_config.json).
            if (Files.exists(path.resolve("tokenizer.model"))) return SentencePieceConversion.load(path.resolve("tokenizer.model"), path);
            if (exists(path, "encoder.json") && exists(path, "vocab.bpe")) return GptEncoderFiles.load(path);
            // Hugging Face's names for the same two GPT-2 files.
            if (Files.exists(path.resolve("vocab.json")) && Files.exists(path.resolve("merges.txt"))) {
                return GptEncoderFiles.load(path.resolve("vocab.json"), path.resolve("merges.txt"), SplitPatterns.GPT2);
            }
            for (String n : new String[] {"vocab.txt", "vocab.txt.gz"}) {
                if (Files.exists(path.resolve(n))) return VocabTxt.load(path.resolve(n), !cased);
            }
            throw new TokenizerException(path + ": no tokenizer.json, tokenizer.model, encoder.json + vocab.bpe, or vocab.txt in this directory");
        }
        if (!Files.exists(path)) throw new TokenizerException(path + ": no such file");
        String name = VocabText.baseName(path);
        if (name.endsWith(".tiktoken")) return TiktokenFile.load(path, pattern);
        if (name.endsWith(".json")) return HfTokenizerJson.load(path);
        if (name.endsWith(".model")) return SentencePieceConversion.load(path, path.toAbsolutePath().getParent());
        if (name.endsWith(".txt")) return VocabTxt.load(path, !cased);
        throw new TokenizerException(path + ": not a known tokenizer file (tokenizer.json, tokenizer.model, *.tiktoken, vocab.txt, or a "
                + "directory with encoder.json + vocab.bpe)");
    }

    private static boolean exists(Path dir, String name) {
        return Files.exists(dir.resolve(name)) || Files.exists(dir.resolve(name + ".gz"));
    }

    /** Ids with the given special tokens recognised ("all", or none when empty). */
    public static int[] encode(Tokenizer tok, String text, java.util.Set<String> allowed, boolean all) {
        if (!all && allowed.isEmpty()) return tok.encode(text);
        return switch (tok) {
            case BpeTokenizer b -> all ? b.encodeWithSpecialTokens(text) : b.encode(text, allowed);
            case WordPieceTokenizer w -> all ? w.encodeWithSpecialTokens(text) : w.encode(text, allowed);
            default -> tok.encode(text);
        };
    }
}
