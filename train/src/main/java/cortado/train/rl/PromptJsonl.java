package cortado.train.rl;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.train.TokenDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prompts for GRPO and PPO as JSON Lines, TRL's prompt-only text layout: one {@code {"prompt": "..."}} per line
 * (other fields ignored, blank lines skipped). A bad line is an error naming the file, the line and the field;
 * conversational prompts (message lists) are refused with a message saying so.
 */
public final class PromptJsonl {
    private PromptJsonl() {}

    public static List<String> load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1) + ": ";
            Map<String, Object> obj;
            try {
                obj = Json.parseObject(lines.get(i));
            } catch (JsonException e) {
                throw new TokenDataException(where + "not a JSON object: " + e.getMessage());
            }
            Object v = obj.get("prompt");
            if (v == null) throw new TokenDataException(where + "missing \"prompt\" (rows are {\"prompt\": \"...\"})");
            if (v instanceof List<?>)
                throw new TokenDataException(where + "\"prompt\" is a message list: conversational prompts are not"
                        + " supported yet (use text)");
            if (!(v instanceof String s)) throw new TokenDataException(where + "\"prompt\" must be a string");
            if (s.isEmpty()) throw new TokenDataException(where + "\"prompt\" is empty (nothing to continue)");
            out.add(s);
        }
        if (out.isEmpty()) throw new TokenDataException(file + ": no prompts");
        return out;
    }
}
