package cortado.nn.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task head's label names in id order, written to config.json as transformers' {@code id2label} (string ids) and
 * {@code label2id}, with {@code num_labels} implied by their count.
 */
public record TaskLabels(List<String> names) {
    public TaskLabels {
        names = List.copyOf(names);
        if (names.isEmpty()) throw new IllegalArgumentException("a task head needs at least one label");
        if (new java.util.HashSet<>(names).size() != names.size())
            throw new IllegalArgumentException("label names repeat: " + names);
    }

    /** transformers' defaults: {@code LABEL_0 .. LABEL_{n-1}}. */
    public static TaskLabels numbered(int n) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) out.add("LABEL_" + i);
        return new TaskLabels(out);
    }

    /** The names of a config.json's id2label, in id order, or null when it has none. */
    public static TaskLabels of(Map<String, Object> configJson) {
        if (!(configJson.get("id2label") instanceof Map<?, ?> m) || m.isEmpty()) return null;
        String[] names = new String[m.size()];
        for (var e : m.entrySet()) {
            int id;
            try {
                id = Integer.parseInt(String.valueOf(e.getKey()));
            } catch (NumberFormatException ex) {
                throw new ConfigException("config.json: id2label key " + e.getKey() + " is not an integer");
            }
            if (id < 0 || id >= names.length || names[id] != null)
                throw new ConfigException("config.json: id2label ids must be 0.." + (names.length - 1) + " once each");
            names[id] = String.valueOf(e.getValue());
        }
        return new TaskLabels(List.of(names));
    }

    public int size() { return names.size(); }

    public int id(String name) { return names.indexOf(name); }

    /** Puts id2label and label2id into a config.json map. */
    public void writeTo(Map<String, Object> configJson) {
        Map<String, Object> id2label = new LinkedHashMap<>(), label2id = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            id2label.put(Integer.toString(i), names.get(i));
            label2id.put(names.get(i), i);
        }
        configJson.put("id2label", id2label);
        configJson.put("label2id", label2id);
    }
}
