package cortado.data.tokenizer;

import cortado.data.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test resources under tokenizer/: the committed vocabularies, the parity corpus and the golden files. */
final class Resources {
    private Resources() {}

    static Path path(String rel) {
        try {
            var url = Resources.class.getResource("/tokenizer/" + rel);
            if (url == null) throw new IllegalStateException("missing test resource tokenizer/" + rel);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        for (Map<String, Object> row : jsonLines("corpus.jsonl")) texts.add((String) row.get("text"));
        return texts;
    }

    static List<Map<String, Object>> jsonLines(String rel) {
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : Files.readAllLines(path(rel))) if (!line.isEmpty()) rows.add(Json.parseObject(line));
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ids(Object jsonList) {
        List<?> l = (List<?>) jsonList;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        return out;
    }
}
