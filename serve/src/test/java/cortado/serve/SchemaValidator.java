package cortado.serve;

import cortado.data.json.Json;
import java.util.List;
import java.util.Map;

/**
 * A test's own check that a parsed JSON value satisfies a schema of the supported subset, written apart from the
 * automaton (it walks values, not bytes) so the two can disagree. Returns null when valid, else where and why not.
 */
final class SchemaValidator {
    private final Map<?, ?> root;

    private SchemaValidator(Map<?, ?> root) { this.root = root; }

    static String check(Object value, Map<?, ?> schema) { return new SchemaValidator(schema).check(value, schema, "$"); }

    private String check(Object v, Object schemaObject, String at) {
        Map<?, ?> s = (Map<?, ?>) schemaObject;
        if (s.get("$ref") instanceof String ref) {
            Object target = root;
            for (String part : ref.substring(1).split("/")) if (!part.isEmpty()) target = ((Map<?, ?>) target).get(part);
            return check(v, target, at);
        }
        if (s.containsKey("const")) return Json.write(s.get("const")).equals(Json.write(v)) ? null : at + ": not the const";
        if (s.get("enum") instanceof List<?> values) {
            for (Object e : values) if (Json.write(e).equals(Json.write(v))) return null;
            return at + ": " + Json.write(v) + " not in the enum";
        }
        if (s.get("anyOf") instanceof List<?> alternatives) {
            for (Object alt : alternatives) if (check(v, alt, at) == null) return null;
            return at + ": matches no anyOf alternative";
        }
        Object type = s.get("type");
        if (type instanceof List<?> types) {
            for (Object t : types) if (typed(v, (String) t, s, at) == null) return null;
            return at + ": matches none of " + types;
        }
        return type == null ? null : typed(v, (String) type, s, at);
    }

    private String typed(Object v, String type, Map<?, ?> s, String at) {
        switch (type) {
            case "string": return v instanceof String ? null : at + ": not a string";
            case "integer": return v instanceof Long ? null : at + ": not an integer";
            case "number": return v instanceof Number ? null : at + ": not a number";
            case "boolean": return v instanceof Boolean ? null : at + ": not a boolean";
            case "null": return v == null ? null : at + ": not null";
            case "array": {
                if (!(v instanceof List<?> list)) return at + ": not an array";
                for (int i = 0; i < list.size(); i++) {
                    String e = s.containsKey("items") ? check(list.get(i), s.get("items"), at + "[" + i + "]") : null;
                    if (e != null) return e;
                }
                return null;
            }
            case "object": {
                if (!(v instanceof Map<?, ?> m)) return at + ": not an object";
                Map<?, ?> props = s.get("properties") instanceof Map<?, ?> p ? p : Map.of();
                if (s.get("required") instanceof List<?> req)
                    for (Object r : req) if (!m.containsKey(r)) return at + ": lacks required '" + r + "'";
                for (var e : m.entrySet()) {
                    if (!props.containsKey(e.getKey())) return at + ": unexpected key '" + e.getKey() + "'";
                    String err = check(e.getValue(), props.get(e.getKey()), at + "." + e.getKey());
                    if (err != null) return err;
                }
                return null;
            }
            default: throw new IllegalArgumentException("type " + type);
        }
    }
}
