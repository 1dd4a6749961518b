package cortado.peft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed fields of a parsed adapter config file: each read checks the JSON type and names the file and the field on a
 * mismatch ({@code adapter_config.json: fan_in_fan_out must be true or false, got 3}). A missing or null field gives
 * the default.
 */
public record ConfigFields(Map<String, Object> json, String where) {

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

    /** Fails naming the field when it is set to anything but null or {@code off} (a feature not implemented). */
    public void requireUnset(String f, Object off, String what) {
        Object v = json.get(f);
        if (v != null && !v.equals(off))
            throw new PeftException(where + ": " + f + " = " + v + " asks for " + what + ", which is not supported");
    }
}
