package cortado.eval;

import cortado.data.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the golden files that tools/golden/eval/ writes from CPython and lm_eval. */
final class Golden {
    private Golden() {}

    static String text(String name) {
        try (InputStream in = Golden.class.getResourceAsStream("/eval/" + name)) {
            if (in == null) throw new IllegalStateException("missing golden file eval/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> json(String name) { return Json.parseObject(text(name)); }

    static List<Map<String, Object>> jsonl(String name) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (String line : text(name).split("\n")) if (!line.isBlank()) docs.add(Json.parseObject(line));
        return docs;
    }

    @SuppressWarnings("unchecked")
    static <T> T cast(Object o) { return (T) o; }
}
