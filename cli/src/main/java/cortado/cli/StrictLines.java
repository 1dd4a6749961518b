package cortado.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A text file as its lines, for scoring: strict UTF-8 (an invalid byte is an error naming the file and line, never a
 * silent U+FFFD that would change a score), lines split on '\n' with one trailing '\r' dropped (CRLF files), and the
 * final newline ending the last line rather than starting an empty one.
 */
final class StrictLines {
    private StrictLines() {}

    static List<String> read(Path file) {
        if (!Files.isRegularFile(file)) throw new CliException(file + ": no such file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(file + ": cannot read (" + e.getMessage() + ")");
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, stop - start)).toString());
            } catch (CharacterCodingException e) {
                throw new CliException(file + ": line " + (lines.size() + 1) + " is not valid UTF-8");
            }
            start = end + 1;
        }
        return lines;
    }
}
