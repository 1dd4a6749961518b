package cortado.nn.embed;

import cortado.data.json.Json;
import cortado.nn.io.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prompts of config_sentence_transformers.json: named texts that ST's {@code encode(prompt_name=...)} prepends,
 * and {@code default_prompt_name}, the one applied when the caller names none (absent or null: no prompt).
 */
public record Prompts(Map<String, String> byName, String defaultName) {
    public Prompts {
        byName = Map.copyOf(byName);
    }

    static Prompts none() { return new Prompts(Map.of(), null); }

    /** The default prompt's text, or null. */
    public String defaultPrompt() { return defaultName == null ? null : byName.get(defaultName); }

    /** The text of the prompt called {@code name}; an unknown name is an error listing the known ones. */
    public String named(String name) {
        String p = byName.get(name);
        if (p == null)
            throw new IllegalArgumentException("prompt name " + name + " is not in config_sentence_transformers.json (it has "
                    + (byName.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(byName.keySet()))) + ")");
        return p;
    }

    static Prompts load(Path file) {
        if (!Files.exists(file)) return none();
        Map<String, Object> c = SentenceTransformer.object(file);
        Map<String, String> prompts = new LinkedHashMap<>();
        Object p = c.get("prompts");
        if (p != null) {
            if (!(p instanceof Map<?, ?> m)) throw CheckpointException.at(file, "prompts must be an object of strings");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String text))
                    throw CheckpointException.at(file, "prompt " + e.getKey() + " must be a string, got " + Json.write(e.getValue()));
                prompts.put((String) e.getKey(), text);
            }
        }
        Object d = c.get("default_prompt_name");
        if (d != null && !(d instanceof String))
            throw CheckpointException.at(file, "default_prompt_name must be a string or null, got " + Json.write(d));
        if (d != null && !prompts.containsKey(d))
            throw CheckpointException.at(file, "default_prompt_name " + d + " is not one of the prompts");
        return new Prompts(prompts, (String) d);
    }
}
