package cortado.train.rl;

import cortado.train.JsonlRows;
import cortado.train.TokenDataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts for GRPO and PPO as JSON Lines, TRL's prompt-only text layout: one {@code {"prompt": "..."}} per line
 * (other fields ignored, blank lines skipped). A bad line is an error naming the file, the line and the field;
 * conversational prompts (message lists) are refused with a message saying so.
 */
public final class PromptJsonl {
    private PromptJsonl() {}

    public static List<String> load(Path file) {
        List<String> out = new ArrayList<>();
        JsonlRows.forEach(file, row -> {
            String where = row.where();
            Object v = row.fields().get("prompt");
            if (v == null) throw new TokenDataException(where + "missing \"prompt\" (rows are {\"prompt\": \"...\"})");
            if (v instanceof List<?>)
                throw new TokenDataException(where + "\"prompt\" is a message list: conversational prompts are not"
                        + " supported yet (use text)");
            if (!(v instanceof String s)) throw new TokenDataException(where + "\"prompt\" must be a string");
            if (s.isEmpty()) throw new TokenDataException(where + "\"prompt\" is empty (nothing to continue)");
            out.add(s);
        });
        if (out.isEmpty()) throw new TokenDataException(file + ": no prompts");
        return out;
    }
}
