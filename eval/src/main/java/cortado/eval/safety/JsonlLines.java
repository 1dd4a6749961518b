package cortado.eval.safety;

import cortado.data.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The JSON Lines reading that the safety files ({@link GenerationsFile}, {@link ReviewFile}) share: each non-blank
 * line parsed as an object and handed on with its 1-based number and "FILE:LINE: " for messages; an unreadable file
 * or a line that does not parse is an {@link IllegalArgumentException} naming the file (and the line).
 */
final class JsonlLines {
    /** What is done with each row. */
    @FunctionalInterface
    interface Row {
        void accept(Map<String, Object> fields, int line, String where);
    }

    private JsonlLines() {}

    static void forEach(Path file, Row each) {
        java.util.List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1) + ": ";
            Map<String, Object> o;
            try {
                o = Json.parseObject(lines.get(i));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
            each.accept(o, i + 1, where);
        }
    }
}
