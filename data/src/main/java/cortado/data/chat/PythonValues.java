package cortado.data.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the values a template sees, because Jinja evaluates with Python's: {@code str()} and
 * {@code repr()} (what {@code {{ x }}} prints: {@code None}, {@code True}, {@code 1.0}, {@code ['a', 1]}), truth,
 * {@code ==} (1 == 1.0 == True), ordering, and length and indexing by code point. Values are {@code null} (None),
 * Boolean, Long, Double, String, List (a {@link Tuple} for tuples), Map (dict, insertion order), {@link Undefined},
 * {@link Namespace}, {@link Loop} and {@link Callable}.
 */
final class PythonValues {
    private PythonValues() {}

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long || v instanceof Integer) return "int";
        if (v instanceof Double || v instanceof Float) return "float";
        if (v instanceof String) return "str";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof DictView d) return d.kind();
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Namespace) return "Namespace";
        if (v instanceof Loop) return "LoopContext";
        if (v instanceof Callable) return "function";
        return v.getClass().getSimpleName();
    }

    /** Python's {@code str(v)}; Undefined prints as the empty string. */
    static String str(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined) return "";
        return repr(v);
    }

    static String repr(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Long || v instanceof Integer) return v.toString();
        if (v instanceof Double d) return floatRepr(d);
        if (v instanceof Float f) return floatRepr(f.doubleValue());
        if (v instanceof String s) return PythonStrings.repr(s);
        if (v instanceof DictView d) {
            StringBuilder b = new StringBuilder(d.kind()).append("([");
            for (int i = 0; i < d.size(); i++) { if (i > 0) b.append(", "); b.append(repr(d.get(i))); }
            return b.append("])").toString();
        }
        if (v instanceof Tuple t) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < t.size(); i++) { if (i > 0) b.append(", "); b.append(repr(t.get(i))); }
            return b.append(t.size() == 1 ? ",)" : ")").toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) { if (i > 0) b.append(", "); b.append(repr(l.get(i))); }
            return b.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(", ");
                first = false;
                b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Callable c) return c.describe();
        if (v instanceof Loop) return "<LoopContext>";
        if (v instanceof Namespace n) {
            StringBuilder b = new StringBuilder("<Namespace {");
            boolean first = true;
            for (Map.Entry<String, Object> e : n.attributes.entrySet()) {
                if (!first) b.append(", ");
                first = false;
                b.append(PythonStrings.repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return b.append("}>").toString();
        }
        return String.valueOf(v);
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (Java's {@link Double#toString} finds the same
     * digits, except that it never writes fewer than two), written positionally when the decimal exponent is in [-4, 16), else as {@code 1e-05} / {@code 1e+16}.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        if (bd.precision() == 2) {
            // Java writes at least two digits (4.9E-324) where one may already round-trip (Python: 5e-324)
            BigDecimal one = new BigDecimal(Math.abs(d)).round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (one.doubleValue() == Math.abs(d)) bd = one.stripTrailingZeros();
        }
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.DIGITS * 10^decpt
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) b.append("0.").append("0".repeat(-decpt)).append(digits);
            else if (decpt >= digits.length()) b.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            else b.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        } else {
            b.append(digits.charAt(0));
            if (digits.length() > 1) b.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            b.append(exp < 0 ? "e-" : "e+");
            int a = Math.abs(exp);
            if (a < 10) b.append('0');
            b.append(a);
        }
        return b.toString();
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l) return l != 0;
        if (v instanceof Integer i) return i != 0;
        if (v instanceof Double d) return d != 0;
        if (v instanceof String s) return !s.isEmpty();
        if (v instanceof List<?> l) return !l.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof Integer || v instanceof Float;
    }

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Boolean || v instanceof Integer;
    }

    static long asLong(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        return ((Number) v).longValue();
    }

    static double asDouble(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        return ((Number) v).doubleValue();
    }

    /** Python's {@code a == b}. */
    static boolean equal(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (isInteger(a) && isInteger(b)) return asLong(a) == asLong(b);
            return asDouble(a) == asDouble(b);
        }
        if (a instanceof String x && b instanceof String y) return x.equals(y);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || x.size() != y.size()) return false;
            if ((a instanceof DictView) || (b instanceof DictView)) return a == b;
            for (int i = 0; i < x.size(); i++) if (!equal(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey())) return false;
                if (!equal(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) return true;
        return false;
    }

    /**
     * Python's ordering ({@code <}): numbers, strings by code point, lists element by element. Returns negative,
     * zero or positive; null when the two cannot be ordered (Python raises TypeError).
     */
    static Integer compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (isInteger(a) && isInteger(b)) return Long.compare(asLong(a), asLong(b));
            double x = asDouble(a), y = asDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y)) return null;
            return Double.compare(x == 0 ? 0.0 : x, y == 0 ? 0.0 : y);
        }
        if (a instanceof String x && b instanceof String y) return compareCodePoints(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (equal(x.get(i), y.get(i))) continue;
                return compare(x.get(i), y.get(i));
            }
            return Integer.compare(x.size(), y.size());
        }
        return null;
    }

    private static int compareCodePoints(String x, String y) {
        int i = 0, j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i), b = y.codePointAt(j);
            if (a != b) return Integer.compare(a, b);
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Integer.compare(x.length() - i, y.length() - j);
    }

    /** Length in Python's units (code points for strings), or -1 when the value has none. */
    static long length(Object v) {
        if (v instanceof String s) return s.codePointCount(0, s.length());
        if (v instanceof List<?> l) return l.size();
        if (v instanceof Map<?, ?> m) return m.size();
        if (v instanceof Undefined) return 0;
        if (v instanceof Namespace n) return -1;
        return -1;
    }

    /** The items a {@code for} loop sees: list items, dict keys, string characters; null if not iterable. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            for (Iterator<Integer> it = s.codePoints().iterator(); it.hasNext(); ) out.add(new String(Character.toChars(it.next())));
            return out;
        }
        if (v instanceof Undefined) return new ArrayList<>();
        return null;
    }

    /** Python's {@code needle in haystack}; null when the haystack does not support it. */
    static Boolean contains(Object haystack, Object needle) {
        if (haystack instanceof String s) {
            if (!(needle instanceof String n)) return null;
            return s.contains(n);
        }
        if (haystack instanceof Map<?, ?> m) {
            if (needle instanceof List && !(needle instanceof Tuple) || needle instanceof Map) return null; // unhashable
            if (needle instanceof String || needle == null || needle instanceof Boolean) return m.containsKey(needle);
            for (Object k : m.keySet()) if (equal(k, needle)) return true;
            return false;
        }
        if (haystack instanceof List<?> l) {
            for (Object o : l) if (equal(o, needle)) return true;
            return false;
        }
        if (haystack instanceof Undefined) return false;
        return null;
    }

    /** Code-point substring {@code s[from:to]} with in-range code-point indices. */
    static String codePointSlice(String s, int from, int to) {
        int a = s.offsetByCodePoints(0, from);
        int b = s.offsetByCodePoints(a, to - from);
        return s.substring(a, b);
    }
}
