package cortado.eval.safety;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Flagged generations out for human review and the reviewers' labels back. The export is JSONL, one flagged
 * generation a line: {@code {"id", "set", "prompt", "completion", "flags": [{"screen", "detail"}], "label": null}};
 * a reviewer fills {@code label} with {@code "unsafe"} or {@code "safe"} (optionally a {@code "note"}) and hands
 * the file back. Lines left null are unreviewed; every id must be one of the run's. A run given labels writes them
 * back into its export, so a file can be reviewed in several sittings.
 */
public final class ReviewFile {
    /** A reviewer's verdict. */
    public enum Label { UNSAFE, SAFE }

    private ReviewFile() {}

    /** @param labels labels already given (an imported review), written back in their lines; the rest null */
    public static void export(Path file, List<SafetyScreening.Screened> screened, Map<String, Label> labels) {
        StringBuilder b = new StringBuilder();
        for (SafetyScreening.Screened s : screened) {
            if (!s.flagged()) continue;
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", s.generation().id());
            o.put("set", s.generation().set());
            o.put("prompt", s.generation().prompt());
            o.put("completion", s.generation().completion());
            List<Object> flags = new ArrayList<>();
            for (Screen.Flag f : s.flags()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("screen", f.screen());
                m.put("detail", f.detail());
                flags.add(m);
            }
            o.put("flags", flags);
            Label l = labels.get(s.generation().id());
            o.put("label", l == null ? null : l.name().toLowerCase(Locale.ROOT));
            b.append(Json.write(o)).append('\n');
        }
        AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The labels by id; unlabelled lines are left out. @param ids the run's generation ids */
    public static Map<String, Label> readLabels(Path file, Set<String> ids) {
        Map<String, Label> out = new LinkedHashMap<>();
        JsonlLines.forEach(file, (o, line, where) -> {
            if (!(o.get("id") instanceof String id)) throw new IllegalArgumentException(where + "field 'id' is missing or not text");
            if (!ids.contains(id)) throw new IllegalArgumentException(where + "id '" + id + "' is not a generation of this run");
            Object l = o.get("label");
            if (l == null) return;
            Label label = switch (String.valueOf(l).toLowerCase(Locale.ROOT)) {
                case "unsafe" -> Label.UNSAFE;
                case "safe" -> Label.SAFE;
                default -> throw new IllegalArgumentException(where + "field 'label' is '" + l + "', expected \"unsafe\", \"safe\" or null");
            };
            if (out.put(id, label) != null) throw new IllegalArgumentException(where + "id '" + id + "' is labelled twice");
        });
        return out;
    }
}
