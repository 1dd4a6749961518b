package cortado.eval;

import cortado.data.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds and loads tasks: a path to an lm-eval-style YAML file, a task name defined by a YAML file in one of the
 * include directories (lm-eval's {@code --include_path}), or a built-in task shipped in the jar. A YAML's
 * {@code include:} names a base file whose fields it overrides (as lm-eval merges them); data files and includes
 * resolve against the YAML's own directory, then the working directory (where lm-eval resolves them).
 */
public final class TaskLoader {
    /** The tasks shipped in the jar (eval/src/main/resources/cortado/eval/tasks). */
    public static final List<String> BUILTIN = List.of("demo_qa", "tiny_arith", "tiny_sentiment");
    private static final String RESOURCES = "/cortado/eval/tasks/";

    private final List<Path> includePaths;

    public TaskLoader(List<Path> includePaths) { this.includePaths = List.copyOf(includePaths); }

    public Task load(String spec) {
        Path p = Path.of(spec);
        if (spec.endsWith(".yaml") || spec.endsWith(".yml") || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException(spec + ": no such task file");
            return fromFile(p);
        }
        for (Path dir : includePaths) {
            Path f = findInDir(dir, spec);
            if (f != null) return fromFile(f);
        }
        if (BUILTIN.contains(spec)) return fromResource(spec + ".yaml");
        throw new IllegalArgumentException("unknown task '" + spec + "': not a YAML file, "
                + (includePaths.isEmpty() ? "" : "not defined in " + includePaths + ", ")
                + "not a built-in task (" + String.join(", ", BUILTIN) + ")");
    }

    private static Path findInDir(Path dir, String name) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such task directory");
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".yaml") || x.toString().endsWith(".yml")).sorted().toList()) {
                Map<String, Object> y = TaskYaml.parse(Files.readString(f, StandardCharsets.UTF_8), f.toString());
                if (name.equals(y.get("task"))) return f;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return null;
    }

    private interface Source {
        String read(String relative);
        String describe(String relative);
    }

    private static Task fromFile(Path yaml) {
        Path dir = yaml.toAbsolutePath().getParent();
        Source src = new Source() {
            Path resolve(String rel) {
                Path r = Path.of(rel);
                if (r.isAbsolute()) return r;
                Path local = dir.resolve(r);
                return Files.exists(local) || !Files.exists(r) ? local : r;
            }

            @Override public String read(String rel) {
                Path f = resolve(rel);
                try {
                    return Files.readString(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalArgumentException(f + ": cannot read (" + e.getMessage() + ")");
                }
            }

            @Override public String describe(String rel) { return resolve(rel).toString(); }
        };
        return load(src, yaml.getFileName().toString());
    }

    private static Task fromResource(String file) {
        Source src = new Source() {
            @Override public String read(String rel) {
                try (InputStream in = TaskLoader.class.getResourceAsStream(RESOURCES + rel)) {
                    if (in == null) throw new IllegalArgumentException(describe(rel) + ": missing from the jar");
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override public String describe(String rel) { return "built-in " + rel; }
        };
        return load(src, file);
    }

    private static Task load(Source src, String file) {
        Map<String, Object> y = withIncludes(src, file, 0);
        TaskConfig config = TaskConfig.from(y, src.describe(file));
        Map<String, List<Map<String, Object>>> splits = new LinkedHashMap<>();
        for (String split : new String[] {config.evalSplit(), config.fewshotSplit()}) {
            if (splits.containsKey(split)) continue;
            String f = config.dataFiles().get(split);
            splits.put(split, documents(src.read(f), src.describe(f)));
        }
        return new Task(config, splits);
    }

    private static Map<String, Object> withIncludes(Source src, String file, int depth) {
        if (depth > 8) throw new IllegalArgumentException(src.describe(file) + ": 'include' nested too deep (a cycle?)");
        Map<String, Object> y = TaskYaml.parse(src.read(file), src.describe(file));
        Object inc = y.get("include");
        if (inc == null) return y;
        if (!(inc instanceof String base)) throw new IllegalArgumentException(src.describe(file) + ": field 'include' must name a file");
        Map<String, Object> merged = new LinkedHashMap<>(withIncludes(src, base, depth + 1));
        merged.putAll(y);   // lm-eval: the including file's fields win
        merged.remove("include");
        return merged;
    }

    /** JSON lines (one object a line) or one JSON array of objects, as datasets' json loader reads both. */
    static List<Map<String, Object>> documents(String text, String file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        String t = text.strip();
        if (t.startsWith("[")) {
            Object v;
            try {
                v = Json.parse(t);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage());
            }
            List<?> l = (List<?>) v;
            for (int i = 0; i < l.size(); i++) docs.add(object(l.get(i), file + ": item " + i));
            return docs;
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try {
                docs.add(object(Json.parse(lines[i]), file + ":" + (i + 1)));
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (docs.isEmpty()) throw new IllegalArgumentException(file + ": holds no documents");
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String where) {
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(where + ": a document must be a JSON object");
        return (Map<String, Object>) m;
    }
}
