package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, which transformers installs as the
 * {@code tojson} filter (with {@code ensure_ascii=False}, replacing Jinja's HTML-escaping one). Byte for byte:
 * separators {@code ", "} and {@code ": "} (or {@code ","} with an indent), floats as Python's repr, NaN and
 * Infinity as Python writes them.
 */
final class PythonJson {
    private final boolean ensureAscii;
    private final String indent; // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /** @param indent null, or the indent of one level */
    PythonJson(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent == null ? ", " : ",";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    /** Thrown for a value JSON cannot hold (Python's TypeError "Object of type X is not JSON serializable"). */
    static final class NotSerializable extends RuntimeException {
        NotSerializable(String msg) { super(msg); }
    }

    String dumps(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 0, 0);
        return b.toString();
    }

    private static final int MAX_DEPTH = 500;

    private void write(StringBuilder b, Object v, int level, int depth) {
        if (depth > MAX_DEPTH) throw new NotSerializable("value nested too deeply for tojson");
        if (v == null) b.append("null");
        else if (v instanceof Boolean x) b.append(x ? "true" : "false");
        else if (v instanceof Long || v instanceof Integer) b.append(v);
        else if (v instanceof Double || v instanceof Float) b.append(number(((Number) v).doubleValue()));
        else if (v instanceof String s) quote(b, s);
        else if (v instanceof List<?> l) {
            if (l.isEmpty()) { b.append("[]"); return; }
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) b.append(itemSeparator);
                newline(b, level + 1);
                write(b, l.get(i), level + 1, depth + 1);
            }
            newline(b, level);
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) { b.append("{}"); return; }
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) entries.add(Map.entry(key(e.getKey()), wrapNull(e.getValue())));
            if (sortKeys) entries.sort((x, y) -> x.getKey().compareTo(y.getKey()));
            b.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : entries) {
                if (!first) b.append(itemSeparator);
                first = false;
                newline(b, level + 1);
                quote(b, e.getKey());
                b.append(keySeparator);
                write(b, e.getValue() == NULL ? null : e.getValue(), level + 1, depth + 1);
            }
            newline(b, level);
            b.append('}');
        } else throw new NotSerializable("Object of type " + PythonValues.typeName(v) + " is not JSON serializable");
    }

    private static final Object NULL = new Object();

    private static Object wrapNull(Object v) { return v == null ? NULL : v; }

    private static String key(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean x) return x ? "true" : "false";
        if (k instanceof Long || k instanceof Integer) return k.toString();
        if (k instanceof Double d) return number(d);
        throw new NotSerializable("keys must be str, int, float, bool or None, not " + PythonValues.typeName(k));
    }

    private static String number(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PythonValues.floatRepr(d);
    }

    private void newline(StringBuilder b, int level) {
        if (indent == null) return;
        b.append('\n');
        for (int i = 0; i < level; i++) b.append(indent);
    }

    private void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
