package cortado.nn.models;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --config key=value,...}: changes to a config.json's fields before a fresh model is built from it. A key must
 * be a field of the family's config (the fields {@link ModelConfig#toHfJson} writes; GPT-2 also takes the names of
 * transformers' {@code GPT2Config.attribute_map}: hidden_size, num_hidden_layers, num_attention_heads,
 * max_position_embeddings), and a value must have that field's JSON type; the family's reader then checks the
 * whole (a head count that does not divide the width, ...). Every error names the key.
 *
 * <p>Fields derived from others follow a change unless set too, as transformers derives them from an absent value:
 * GPT-2's n_inner stays 4 x n_embd when it was; Llama's head_dim stays hidden_size / num_attention_heads when it was,
 * and num_key_value_heads stays num_attention_heads when the model had plain multi-head attention.
 */
public final class ConfigOverrides {
    private ConfigOverrides() {}

    /** transformers' GPT2Config.attribute_map: the common names of GPT-2's fields. */
    private static final Map<String, String> GPT2_ALIASES = Map.of("hidden_size", "n_embd",
            "num_hidden_layers", "n_layer", "num_attention_heads", "n_head", "max_position_embeddings", "n_positions");

    /** Fields a user does not set: the family and bookkeeping, or a copy of another field (GPT-2's n_ctx). */
    private static final Set<String> NOT_SETTABLE = Set.of("model_type", "architectures", "n_ctx");

    /**
     * Parses {@code key=value,key=value}: a value is JSON (a number, true, false, null, a "string" or a [list]) or,
     * when it does not parse as JSON, the bare word as a string. Commas inside brackets do not separate pairs.
     */
    public static Map<String, Object> parse(String spec) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String pair : splitTopLevel(spec)) {
            String p = pair.strip();
            if (p.isEmpty()) throw new ConfigException("--config: empty entry in '" + spec + "' (expected key=value,...)");
            int eq = p.indexOf('=');
            if (eq <= 0) throw new ConfigException("--config: '" + p + "' is not key=value");
            String key = p.substring(0, eq).strip(), raw = p.substring(eq + 1).strip();
            if (raw.isEmpty()) throw new ConfigException("--config " + key + ": no value after '='");
            if (out.containsKey(key)) throw new ConfigException("--config " + key + ": given twice");
            out.put(key, value(raw));
        }
        return out;
    }

    private static Object value(String raw) {
        try {
            return Json.parse(raw);
        } catch (JsonException | IllegalArgumentException e) {
            return raw;   // a bare word: a string
        }
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && (i == 0 || s.charAt(i - 1) != '\\')) quoted = !quoted;
            else if (!quoted && (c == '[' || c == '{')) depth++;
            else if (!quoted && (c == ']' || c == '}')) depth--;
            else if (!quoted && depth == 0 && c == ',') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /**
     * {@code base} (a parsed config.json) with {@code overrides} applied: a new map, checked field by field and then as
     * a whole by the family's reader (its {@link ConfigException} says which key is wrong).
     */
    public static Map<String, Object> apply(Map<String, Object> base, Map<String, Object> overrides) {
        ModelConfig before = Models.config(base);
        Map<String, Object> canonical = before.toHfJson();
        boolean gpt2 = before.modelType().equals("gpt2");
        Map<String, Object> changes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            String key = gpt2 ? GPT2_ALIASES.getOrDefault(e.getKey(), e.getKey()) : e.getKey();
            String named = key.equals(e.getKey()) ? key : e.getKey() + " (" + key + ")";
            if (NOT_SETTABLE.contains(key) || !canonical.containsKey(key))
                throw new ConfigException("--config " + e.getKey() + ": not a field of a " + before.modelType()
                        + " config (fields: " + String.join(", ", settable(canonical, gpt2)) + ")");
            if (changes.containsKey(key)) throw new ConfigException("--config " + named + ": given twice");
            if (key.equals("eos_token_id")) {   // one id or several
                if (!(e.getValue() instanceof Long || e.getValue() instanceof List))
                    throw new ConfigException("--config eos_token_id: must be an integer or a [list] of them, got "
                            + HfConfigFields.show(e.getValue()));
            } else checkType(named, canonical.get(key), e.getValue());
            changes.put(key, e.getValue());
        }

        Map<String, Object> out = new LinkedHashMap<>(base);
        out.putAll(changes);
        if (gpt2) {
            long embd = (Long) canonical.get("n_embd"), inner = (Long) canonical.get("n_inner");
            if (changes.containsKey("n_embd") && !changes.containsKey("n_inner") && inner == 4 * embd) out.put("n_inner", null);
            if (changes.containsKey("n_positions")) out.remove("n_ctx");
        } else {
            long hidden = (Long) canonical.get("hidden_size"), heads = (Long) canonical.get("num_attention_heads");
            long headDim = (Long) canonical.get("head_dim"), kv = (Long) canonical.get("num_key_value_heads");
            boolean reshaped = changes.containsKey("hidden_size") || changes.containsKey("num_attention_heads");
            long newHidden = number(out.get("hidden_size"), hidden), newHeads = number(out.get("num_attention_heads"), heads);
            if (reshaped && !changes.containsKey("head_dim") && headDim * heads == hidden && newHeads > 0
                    && newHidden % newHeads == 0)
                out.put("head_dim", newHidden / newHeads);
            if (changes.containsKey("num_attention_heads") && !changes.containsKey("num_key_value_heads") && kv == heads)
                out.put("num_key_value_heads", newHeads);
            // rope_theta is written both at the top and inside rope_parameters (transformers 5): change both.
            if (changes.containsKey("rope_theta") && out.get("rope_parameters") instanceof Map<?, ?> rp) {
                Map<String, Object> copy = new LinkedHashMap<>();
                rp.forEach((k, v) -> copy.put((String) k, v));
                copy.put("rope_theta", changes.get("rope_theta"));
                out.put("rope_parameters", copy);
            }
        }
        try {
            Models.config(out);
        } catch (ConfigException e) {
            String msg = e.getMessage().startsWith("config.json: ") ? e.getMessage().substring(13) : e.getMessage();
            throw new ConfigException("--config: " + msg);
        }
        return out;
    }

    private static long number(Object v, long dflt) { return v instanceof Number n ? n.longValue() : dflt; }

    private static List<String> settable(Map<String, Object> canonical, boolean gpt2) {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Object> e : canonical.entrySet())
            if (!NOT_SETTABLE.contains(e.getKey()) && !(e.getValue() instanceof Map)) keys.add(e.getKey());
        if (gpt2) keys.addAll(GPT2_ALIASES.keySet().stream().sorted().toList());
        return keys;
    }

    /** The value must have the JSON type the family writes for the field (an integer where it writes one, ...). */
    private static void checkType(String key, Object current, Object value) {
        String expected;
        boolean ok;
        if (current instanceof Map) {
            throw new ConfigException("--config " + key + ": a nested object; set it in config.json instead");
        } else if (current instanceof Long) {
            expected = "an integer";
            ok = value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue());
        } else if (current instanceof Double) {
            expected = "a number";
            ok = value instanceof Number;
        } else if (current instanceof Boolean) {
            expected = "true or false";
            ok = value instanceof Boolean;
        } else if (current instanceof String) {
            expected = "a string";
            ok = value instanceof String;
        } else if (current instanceof List) {
            expected = "a [list]";
            ok = value instanceof List;
        } else {   // null in the config (bos_token_id, sliding_window): an integer or null
            expected = "an integer or null";
            ok = value == null || value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
        }
        if (!ok) throw new ConfigException("--config " + key + ": must be " + expected + ", got " + HfConfigFields.show(value));
    }
}
