package cortado.data.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * Typed reads from a parsed tokenizer.json with errors that name the file and the field path
 * ({@code pre_tokenizer.pretokenizers[1].pattern}), so a malformed file gives one clear message.
 */
record JsonFields(String file) {
    TokenizerException error(String path, String problem) { return TokenizerException.in(file, path + ": " + problem); }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(Object v, String path) {
        if (!(v instanceof Map)) throw error(path, "expected an object, found " + kind(v));
        return (Map<String, Object>) v;
    }

    /** The object at {@code key}, or null when absent or JSON null. */
    Map<String, Object> optObject(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        return v == null ? null : object(v, path + key);
    }

    List<?> list(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (!(v instanceof List<?> l)) throw error(path + key, "expected a list, found " + kind(v));
        return l;
    }

    String string(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (!(v instanceof String s)) throw error(path + key, "expected a string, found " + kind(v));
        return s;
    }

    /** A string, or null when absent or JSON null. */
    String optString(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof String s)) throw error(path + key, "expected a string or null, found " + kind(v));
        return s;
    }

    boolean bool(Map<String, Object> m, String key, boolean dflt, String path) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw error(path + key, "expected true or false, found " + kind(v));
        return b;
    }

    int integer(Map<String, Object> m, String key, int dflt, int max, String path) {
        Object v = m.get(key);
        if (v == null) return dflt;
        return integer(v, max, path + key);
    }

    int integer(Object v, int max, String path) {
        if (!(v instanceof Long l) || l < 0 || l > max) throw error(path, "expected an integer in [0, " + max + "], found " + kind(v));
        return l.intValue();
    }

    double number(Object v, String path) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d) return d;
        throw error(path, "expected a number, found " + kind(v));
    }

    /** A single character (as Metaspace's replacement and Strip's content are). */
    int character(Map<String, Object> m, String key, String path) {
        String s = string(m, key, path);
        if (s.codePointCount(0, s.length()) != 1) throw error(path + key, "expected one character, found '" + TiktokenFile.clip(s) + "'");
        return s.codePointAt(0);
    }

    static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "'" + TiktokenFile.clip(s) + "'";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "a list";
        return String.valueOf(v);
    }
}
