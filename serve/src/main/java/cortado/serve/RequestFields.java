package cortado.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a JSON request body: a field of the wrong type is a 400 naming it; absent and {@code null} fields
 * give the default; fields nobody reads are ignored, as OpenAI's API does.
 */
record RequestFields(Map<String, Object> body) {

    boolean has(String field) { return body.get(field) != null; }

    String string(String field, String otherwise) {
        Object v = body.get(field);
        if (v == null) return otherwise;
        if (v instanceof String s) return s;
        throw wrongType(field, "a string");
    }

    String requiredString(String field) {
        String s = string(field, null);
        if (s == null) throw new ApiException(400, "'" + field + "' is required", field, "missing_required_parameter");
        return s;
    }

    double number(String field, double otherwise) {
        Object v = body.get(field);
        if (v == null) return otherwise;
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) return n.doubleValue();
        throw wrongType(field, "a number");
    }

    /** A number within [lo, hi]. */
    double number(String field, double otherwise, double lo, double hi) {
        double x = number(field, otherwise);
        if (x < lo || x > hi) throw new ApiException(400, "'" + field + "' must lie in [" + lo + ", " + hi + "], got " + x, field);
        return x;
    }

    /** An integer (a JSON number without a fraction), or {@code otherwise}. */
    long integer(String field, long otherwise) {
        Object v = body.get(field);
        if (v == null) return otherwise;
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return d.longValue();
        throw wrongType(field, "an integer");
    }

    boolean bool(String field, boolean otherwise) {
        Object v = body.get(field);
        if (v == null) return otherwise;
        if (v instanceof Boolean b) return b;
        throw wrongType(field, "a boolean");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(String field) {
        Object v = body.get(field);
        if (v == null) return Map.of();
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw wrongType(field, "an object");
    }

    /** A string or a list of strings (OpenAI's {@code stop}); empty when absent. */
    List<String> strings(String field) {
        Object v = body.get(field);
        if (v == null) return List.of();
        if (v instanceof String s) return List.of(s);
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) throw wrongType(field, "a string or a list of strings");
                out.add(s);
            }
            return out;
        }
        throw wrongType(field, "a string or a list of strings");
    }

    static ApiException wrongType(String field, String expected) {
        return new ApiException(400, "'" + field + "' must be " + expected, field, "invalid_type");
    }
}
