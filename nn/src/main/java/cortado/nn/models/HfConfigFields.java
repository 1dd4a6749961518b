package cortado.nn.models;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads of a Hugging Face {@code config.json} object (as {@code cortado.data.json.Json} parses it), with
 * Hugging Face's default where a field is absent or null and a {@link ConfigException} naming the field where a value
 * has the wrong type.
 */
public final class HfConfigFields {
    private final Map<String, Object> json;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    public HfConfigFields(Map<String, Object> json) { this(json, ""); }

    /** Fields of a nested object, named in messages as {@code prefix + key} ("rope_parameters.factor"). */
    public HfConfigFields(Map<String, Object> json, String prefix) {
        if (json == null) throw new ConfigException("config.json: no config object");
        this.json = json;
        this.prefix = prefix;
    }

    /** The value of a field, marking it as read (see {@link #rejectUnread}). */
    private Object get(String key) {
        read.add(key);
        return json.get(key);
    }

    /** Marks fields as known without reading them: they do not change what the model computes. */
    public void ignore(Collection<String> keys) { read.addAll(keys); }

    /**
     * Fails, naming every such field in one line, if the object holds a field no reader asked for and nobody marked as
     * ignorable: an unknown field may change the computation, so it is never silently dropped.
     */
    public void rejectUnread(String what) {
        List<String> unknown = new ArrayList<>();
        for (String k : json.keySet()) if (!read.contains(k)) unknown.add(prefix + k);
        if (!unknown.isEmpty())
            throw new ConfigException("config.json: " + (unknown.size() == 1 ? "field " : "fields ")
                    + String.join(", ", unknown) + (unknown.size() == 1 ? " is" : " are") + " not supported by " + what
                    + " (Cortado refuses fields it does not implement rather than ignore them)");
    }

    /** Whether the field is present at all (even as null), marking it read. */
    public boolean present(String key) {
        read.add(key);
        return json.containsKey(key);
    }

    /** Whether the field is present and not null. */
    public boolean has(String key) { return get(key) != null; }

    public Object raw(String key) { return get(key); }

    /** An integer field (a JSON number with no fractional part). */
    public int integer(String key, int dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        return asInt(key, v);
    }

    /** An integer field with no default; absent or null gives null. */
    public Integer optionalInteger(String key) {
        Object v = get(key);
        return v == null ? null : asInt(key, v);
    }

    /** A number read as a double (Python's float), as rope parameters need it. */
    public double real(String key, double dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number n)) throw typeError(key, "a number", v);
        return n.doubleValue();
    }

    public float number(String key, float dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number n)) throw typeError(key, "a number", v);
        return n.floatValue();
    }

    public boolean bool(String key, boolean dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw typeError(key, "true or false", v);
        return b;
    }

    public String string(String key, String dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (!(v instanceof String s)) throw typeError(key, "a string", v);
        return s;
    }

    /** A token id field that may be one integer or a list of them (Llama 3 lists several end-of-text ids). */
    public List<Integer> ids(String key, List<Integer> dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (v instanceof List<?> l) {
            List<Integer> out = new ArrayList<>();
            for (Object o : l) out.add(asInt(key, o));
            return List.copyOf(out);
        }
        return List.of(asInt(key, v));
    }

    /** A nested object, or null when absent. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key) {
        Object v = get(key);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw typeError(key, "an object", v);
        return (Map<String, Object>) m;
    }

    /** Fails unless the field is absent or equals one of the values Cortado implements. */
    public void requireOneOf(String key, Object dflt, String why, Object... supported) {
        Object v = get(key);
        if (v == null) v = dflt;
        for (Object s : supported) if (sameValue(s, v)) return;
        throw new ConfigException("config.json: " + prefix + key + " = " + show(v) + " is not supported (" + why + ")");
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        return a == null ? b == null : a.equals(b);
    }

    private int asInt(String key, Object v) {
        if (!(v instanceof Number n)) throw typeError(key, "an integer", v);
        double d = n.doubleValue();
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) throw typeError(key, "an integer", v);
        return (int) d;
    }

    private ConfigException typeError(String key, String expected, Object v) {
        return new ConfigException("config.json: " + prefix + key + " must be " + expected + ", got " + show(v));
    }

    /** A value as config.json spells it, for messages. */
    public static String show(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    /** Throws a ConfigException unless {@code value > 0}. */
    public static void requirePositive(String key, long value) {
        if (value <= 0) throw new ConfigException("config.json: " + key + " must be positive, got " + value);
    }

    /** Throws a ConfigException unless {@code value} is finite and {@code > 0}. */
    public static void requirePositive(String key, float value) {
        if (!(value > 0) || Float.isInfinite(value))
            throw new ConfigException("config.json: " + key + " must be a positive number, got " + value);
    }

    /** Throws a ConfigException unless {@code value} is a dropout probability, in [0, 1). */
    public static void requireProbability(String key, float value) {
        if (!(value >= 0f && value < 1f))
            throw new ConfigException("config.json: " + key + " must be a dropout probability in [0, 1), got " + value);
    }

    /** The float as the shortest decimal that reads back to it (1e-5f is written 1.0E-5, not 9.99999974737875E-6). */
    public static double decimal(float f) { return Double.parseDouble(Float.toString(f)); }

    /** Writes one id as a number and several as a list, as Hugging Face does; nothing for none. */
    public static void putIds(Map<String, Object> out, String key, List<Integer> ids) {
        if (ids.size() == 1) out.put(key, (long) ids.get(0));
        else if (!ids.isEmpty()) out.put(key, ids.stream().map(Integer::longValue).toList());
    }
}
