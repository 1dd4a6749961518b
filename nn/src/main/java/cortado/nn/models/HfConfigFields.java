package cortado.nn.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a Hugging Face {@code config.json} object (as {@code cortado.data.json.Json} parses it), with
 * Hugging Face's default where a field is absent or null and a {@link ConfigException} naming the field where a value
 * has the wrong type.
 */
public final class HfConfigFields {
    private final Map<String, Object> json;

    public HfConfigFields(Map<String, Object> json) {
        if (json == null) throw new ConfigException("config.json: no config object");
        this.json = json;
    }

    /** Whether the field is present and not null. */
    public boolean has(String key) { return json.get(key) != null; }

    public Object raw(String key) { return json.get(key); }

    /** An integer field (a JSON number with no fractional part). */
    public int integer(String key, int dflt) {
        Object v = json.get(key);
        if (v == null) return dflt;
        return asInt(key, v);
    }

    /** An integer field with no default; absent or null gives null. */
    public Integer optionalInteger(String key) {
        Object v = json.get(key);
        return v == null ? null : asInt(key, v);
    }

    public float number(String key, float dflt) {
        Object v = json.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number n)) throw typeError(key, "a number", v);
        return n.floatValue();
    }

    public boolean bool(String key, boolean dflt) {
        Object v = json.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw typeError(key, "true or false", v);
        return b;
    }

    public String string(String key, String dflt) {
        Object v = json.get(key);
        if (v == null) return dflt;
        if (!(v instanceof String s)) throw typeError(key, "a string", v);
        return s;
    }

    /** A token id field that may be one integer or a list of them (Llama 3 lists several end-of-text ids). */
    public List<Integer> ids(String key, List<Integer> dflt) {
        Object v = json.get(key);
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
        Object v = json.get(key);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw typeError(key, "an object", v);
        return (Map<String, Object>) m;
    }

    /** Fails unless the field is absent or equals one of the values Cortado implements. */
    public void requireOneOf(String key, Object dflt, String why, Object... supported) {
        Object v = json.get(key);
        if (v == null) v = dflt;
        for (Object s : supported) if (sameValue(s, v)) return;
        throw new ConfigException("config.json: " + key + " = " + show(v) + " is not supported (" + why + ")");
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        return a == null ? b == null : a.equals(b);
    }

    private static int asInt(String key, Object v) {
        if (!(v instanceof Number n)) throw typeError(key, "an integer", v);
        double d = n.doubleValue();
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) throw typeError(key, "an integer", v);
        return (int) d;
    }

    private static ConfigException typeError(String key, String expected, Object v) {
        return new ConfigException("config.json: " + key + " must be " + expected + ", got " + show(v));
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

    /** The float as the shortest decimal that reads back to it (1e-5f is written 1.0E-5, not 9.99999974737875E-6). */
    public static double decimal(float f) { return Double.parseDouble(Float.toString(f)); }

    /** Writes one id as a number and several as a list, as Hugging Face does; nothing for none. */
    public static void putIds(Map<String, Object> out, String key, List<Integer> ids) {
        if (ids.size() == 1) out.put(key, (long) ids.get(0));
        else if (!ids.isEmpty()) out.put(key, ids.stream().map(Integer::longValue).toList());
    }
}
