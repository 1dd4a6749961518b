package cortado.data.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads a vocabulary file as strict UTF-8 text; a name ending in {@code .gz} is decompressed first. */
final class VocabText {
    private VocabText() {}

    static String read(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
            if (file.getFileName().toString().endsWith(".gz")) {
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                    raw = in.readAllBytes();
                }
            }
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerException(file + ": not valid UTF-8 text");
        }
    }

    /** The file name without a {@code .gz} suffix. */
    static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    static UncheckedIOException unchecked(IOException e) { return new UncheckedIOException(e); }
}
