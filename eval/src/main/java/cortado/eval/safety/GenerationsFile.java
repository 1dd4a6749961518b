package cortado.eval.safety;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Generations in JSONL, one object a line, as {@code cortado generate --prompts IN --out OUT} writes them: a
 * {@code completion} (required), the input's {@code prompt} or {@code messages}, and optionally {@code set} (the
 * prompt set; default: the file's name without extension) and {@code id}.
 */
public final class GenerationsFile {
    private GenerationsFile() {}

    public static List<Generation> read(Path file) {
        String name = file.getFileName().toString();
        String defaultSet = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        List<Generation> out = new ArrayList<>();
        JsonlLines.forEach(file, (o, line, where) -> {
            if (!(o.get("completion") instanceof String completion))
                throw new IllegalArgumentException(where + "field 'completion' is missing or not text");
            String set = optional(o, "set", where, defaultSet);
            String id = optional(o, "id", where, set + ":" + line);
            out.add(new Generation(id, set, prompt(o, where), completion));
        });
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no generations");
        return out;
    }

    private static String prompt(Map<String, Object> o, String where) {
        if (o.get("prompt") instanceof String p) return p;
        if (o.get("messages") instanceof List<?> msgs) {
            StringBuilder b = new StringBuilder();
            for (Object m : msgs)
                if (m instanceof Map<?, ?> mm) b.append(mm.get("role")).append(": ").append(mm.get("content")).append('\n');
            return b.toString().strip();
        }
        if (o.containsKey("prompt")) throw new IllegalArgumentException(where + "field 'prompt' is not text");
        return "";
    }

    private static String optional(Map<String, Object> o, String field, String where, String otherwise) {
        Object v = o.get(field);
        if (v == null) return otherwise;
        if (v instanceof String s && !s.isBlank()) return s;
        throw new IllegalArgumentException(where + "field '" + field + "' is not a non-empty string");
    }
}
