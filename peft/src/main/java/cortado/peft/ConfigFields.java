package cortado.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Typed fields of a parsed adapter config file: each read checks the JSON type and names the file and the field on a
 * mismatch ({@code adapter_config.json: fan_in_fan_out must be true or false, got 3}). A missing or null field gives
 * the default.
 */
public record ConfigFields(Map<String, Object> json, String where) {

    /** The fields of a file whose peft_type must be {@code peftType} (anything else is an error naming the file). */
    public static ConfigFields of(Map<String, Object> json, String where, String peftType) {
        if (!peftType.equals(json.get("peft_type")))
            throw new PeftException(where + ": peft_type \"" + json.get("peft_type") + "\" is not " + peftType);
        return new ConfigFields(json, where);
    }

    /** Builds the config, an error of the record's own checks then naming the file too. */
    public <T> T read(Supplier<T> build) {
        try {
            return build.get();
        } catch (PeftException e) {
            if (e.getMessage().startsWith(where)) throw e;
            throw new PeftException(where + ": " + e.getMessage(), e);
        }
    }

    public PeftException bad(String field, String expected, Object got) {
        return new PeftException(where + ": " + field + " must be " + expected + ", got " + got);
    }

    public boolean bool(String f, boolean dflt) {
        Object v = json.get(f);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw bad(f, "true or false", v);
        return b;
    }

    public String string(String f, String dflt) {
        Object v = json.get(f);
        if (v == null) return dflt;
        if (!(v instanceof String s)) throw bad(f, "a string", v);
        return s;
    }

    /** A list of strings, or null when absent. */
    public List<String> strings(String f) {
        Object v = json.get(f);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw bad(f, "a list of strings", v);
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw bad(f, "a list of strings", v);
            out.add(s);
        }
        return out;
    }

    /** PEFT's target form: a list of names or one regex string; null when absent. */
    public TargetModules targets(String f) {
        Object v = json.get(f);
        if (v == null) return null;
        if (v instanceof String s) return TargetModules.regex(s);
        return new TargetModules(strings(f), null);
    }

    public int integer(String f, int dflt) {
        Object v = json.get(f);
        if (v == null) return dflt;
        if (!(v instanceof Long l) || l != (int) (long) l) throw bad(f, "an integer", v);
        return (int) (long) l;
    }

    public double real(String f, double dflt) {
        Object v = json.get(f);
        if (v == null) return dflt;
        if (!(v instanceof Number n)) throw bad(f, "a number", v);
        return n.doubleValue();
    }

    /** One string or a list of strings (PEFT's {@code Union[list[str], str]}), or null when absent. */
    public List<String> stringOrStrings(String f) {
        Object v = json.get(f);
        if (v instanceof String s) return List.of(s);
        return strings(f);
    }

    /** One integer or a list of integers ({@code layers_to_transform}), or null when absent. */
    public List<Integer> integers(String f) {
        Object v = json.get(f);
        if (v == null) return null;
        if (v instanceof Long l) return List.of((int) (long) l);
        if (!(v instanceof List<?> l)) throw bad(f, "an integer or a list of integers", v);
        List<Integer> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Long x)) throw bad(f, "an integer or a list of integers", v);
            out.add((int) (long) x);
        }
        return out;
    }

    /** An object of integers ({@code rank_pattern}), or null when absent. */
    public Map<String, Integer> intMap(String f) {
        Object v = json.get(f);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw bad(f, "an object of integers", v);
        Map<String, Integer> out = new LinkedHashMap<>();
        m.forEach((k, x) -> {
            if (!(x instanceof Long l)) throw bad(f + "." + k, "an integer", x);
            out.put((String) k, (int) (long) l);
        });
        return out;
    }

    /** An object of numbers ({@code alpha_pattern}), or null when absent. */
    public Map<String, Double> realMap(String f) {
        Object v = json.get(f);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw bad(f, "an object of numbers", v);
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, x) -> {
            if (!(x instanceof Number n)) throw bad(f + "." + k, "a number", x);
            out.put((String) k, n.doubleValue());
        });
        return out;
    }

    /** Fails naming the field when it is set to anything but null or {@code off} (a feature not implemented). */
    public void requireUnset(String f, Object off, String what) {
        Object v = json.get(f);
        if (v != null && !v.equals(off))
            throw new PeftException(where + ": " + f + " = " + v + " asks for " + what + ", which is not supported");
    }
}
