package cortado.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * The files that travel with a checkpoint when a command rewrites its weights (quantize, dequantize, prune): the
 * tokenizer in any of the layouts {@link ModelTokenizer} reads, and generation_config.json.
 */
final class TokenizerFiles {
    private static final Set<String> NAMES = Set.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "vocab.json", "merges.txt", "encoder.json", "vocab.bpe", "vocab.txt", "tokenizer.model", "generation_config.json");

    private TokenizerFiles() {}

    /** Copies the tokenizer files of {@code from} (if any) into the existing directory {@code to}. */
    static void copy(Path from, Path to) throws IOException {
        if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (Files.isRegularFile(f) && (NAMES.contains(n) || n.endsWith(".tiktoken")))
                    Files.copy(f, to.resolve(n), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
