package cortado.train;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The rows of a JSON Lines file, one JSON object per non-blank line, each with the "FILE:LINE: " prefix that the
 * readers of particular layouts ({@link cortado.train.align.PreferenceJsonl}, {@link cortado.train.rl.PromptJsonl})
 * put before an error about its fields. A missing file, an unreadable one or a line that is not a JSON object is a
 * {@link TokenDataException} naming the file (and the line).
 */
public final class JsonlRows {
    /** One row: its fields, its 1-based line number, and "FILE:LINE: " for messages. */
    public record Row(Map<String, Object> fields, int line, String where) {}

    private JsonlRows() {}

    /** Calls {@code each} on every row in order, parsing a line only when the rows before it have been taken. */
    public static void forEach(Path file, Consumer<Row> each) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1) + ": ";
            Map<String, Object> fields;
            try {
                fields = Json.parseObject(lines.get(i));
            } catch (JsonException e) {
                throw new TokenDataException(where + "not a JSON object: " + e.getMessage());
            }
            each.accept(new Row(fields, i + 1, where));
        }
    }
}
