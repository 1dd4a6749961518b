package cortado.data.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Jinja's built-in filters that chat templates use, with jinja2/filters.py semantics, plus transformers' own
 * {@code tojson} (Python's {@code json.dumps}, not Jinja's HTML-safe one). Undefined values go through the
 * filters that tolerate them as Jinja's do: {@code default} replaces them, {@code length} is 0, text filters see "".
 */
final class Filters {
    private Filters() {}

    /** Every filter {@link #apply} knows; the parser rejects others, as Jinja does at compile time. */
    static final java.util.Set<String> NAMES = java.util.Set.of("abs", "attr", "capitalize", "lower", "upper", "title",
            "trim", "string", "safe", "escape", "e", "length", "count", "default", "d", "first", "last", "list",
            "reverse", "join", "items", "dictsort", "replace", "int", "float", "round", "sum", "min", "max", "sort",
            "unique", "map", "select", "reject", "selectattr", "rejectattr", "tojson", "indent", "wordcount");

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        return switch (name) {
            case "abs" -> {
                none(name, args, kw, in, at);
                if (!PythonValues.isNumber(v)) throw in.error("bad operand type for abs(): '" + PythonValues.typeName(v) + "'", at);
                yield PythonValues.isInteger(v) ? (Object) Math.abs(PythonValues.asLong(v)) : (Object) Math.abs(PythonValues.asDouble(v));
            }
            case "attr" -> {
                String n = new Arguments(name, args, kw, in, at, "name").string(0);
                yield Access.attribute(v, n, in, at);
            }
            case "capitalize" -> { none(name, args, kw, in, at); yield PythonStrings.capitalize(text(v)); }
            case "lower" -> { none(name, args, kw, in, at); yield PythonStrings.lower(text(v)); }
            case "upper" -> { none(name, args, kw, in, at); yield PythonStrings.upper(text(v)); }
            case "title" -> { none(name, args, kw, in, at); yield jinjaTitle(text(v)); }
            case "trim" -> {
                String chars = new Arguments(name, args, kw, in, at, "chars").string(0, null);
                yield PythonStrings.strip(text(v), chars, 'b');
            }
            case "string" -> { none(name, args, kw, in, at); yield text(v); }
            case "safe" -> { none(name, args, kw, in, at); yield v; }
            case "escape", "e" -> { none(name, args, kw, in, at); yield escape(text(v)); }
            case "length", "count" -> {
                none(name, args, kw, in, at);
                long n = PythonValues.length(v);
                if (n < 0) throw in.error("object of type '" + PythonValues.typeName(v) + "' has no len()", at);
                yield n;
            }
            case "default", "d" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "default_value", "boolean");
                boolean replace = v instanceof Undefined || (a.bool(1, false) && !PythonValues.truthy(v));
                yield replace ? a.get(0, "") : v;
            }
            case "first" -> {
                none(name, args, kw, in, at);
                List<Object> items = iterable(v, name, in, at);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                none(name, args, kw, in, at);
                List<Object> items = iterable(v, name, in, at);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "list" -> { none(name, args, kw, in, at); yield iterable(v, name, in, at); }
            case "reverse" -> {
                none(name, args, kw, in, at);
                if (v instanceof String s) yield new StringBuilder(s).reverse().toString();
                List<Object> items = iterable(v, name, in, at);
                Collections.reverse(items);
                yield items;
            }
            case "join" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "d", "attribute");
                String sep = PythonValues.str(a.get(0, ""));
                Object attr = a.get(1, null);
                StringBuilder b = new StringBuilder();
                List<Object> items = iterable(v, name, in, at);
                for (int k = 0; k < items.size(); k++) {
                    if (k > 0) b.append(sep);
                    Object item = attr == null ? items.get(k) : attributePath(items.get(k), attr, in, at);
                    b.append(PythonValues.str(item));
                    if (b.length() > Interpreter.MAX_OUTPUT_CHARS) throw in.error("joined text too long", at);
                }
                yield b.toString();
            }
            case "items" -> {
                none(name, args, kw, in, at);
                if (v instanceof Undefined) yield new ArrayList<>();
                if (!(v instanceof Map<?, ?> m)) throw in.error("Can only get item pairs from a mapping.", at);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                yield out;
            }
            case "dictsort" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "case_sensitive", "by", "reverse");
                if (!(v instanceof Map<?, ?> m)) throw in.error("You can only sort by either \"key\" or \"value\" of a mapping", at);
                boolean byValue = "value".equals(a.get(1, "key"));
                boolean cs = a.bool(0, false);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                out.sort((x, y) -> order(sortKey(((Tuple) x).get(byValue ? 1 : 0), cs), sortKey(((Tuple) y).get(byValue ? 1 : 0), cs), in, at));
                if (a.bool(2, false)) Collections.reverse(out);
                yield out;
            }
            case "replace" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "old", "new", "count");
                yield PythonStrings.replace(text(v), PythonValues.str(a.required(0)), PythonValues.str(a.required(1)), a.integer(2, -1));
            }
            case "int" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "default", "base");
                yield toInt(v, a.get(0, 0L), a.integer(1, 10));
            }
            case "float" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "default");
                yield toFloat(v, a.get(0, 0.0));
            }
            case "round" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "precision", "method");
                long precision = a.integer(0, 0);
                String method = a.string(1, "common");
                if (!PythonValues.isNumber(v)) throw in.error("round filter needs a number", at);
                double x = PythonValues.asDouble(v), f = Math.pow(10, precision);
                yield switch (method) {
                    case "common" -> new java.math.BigDecimal(Double.toString(x)).setScale((int) precision, java.math.RoundingMode.HALF_EVEN).doubleValue();
                    case "ceil" -> Math.ceil(x * f) / f;
                    case "floor" -> Math.floor(x * f) / f;
                    default -> throw in.error("method must be common, ceil or floor", at);
                };
            }
            case "sum" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "attribute", "start");
                Object total = a.get(1, 0L);
                for (Object item : iterable(v, name, in, at)) {
                    Object x = a.has(0) && a.get(0) != null ? attributePath(item, a.get(0), in, at) : item;
                    total = Arithmetic.binary("+", total, x, in, at);
                }
                yield total;
            }
            case "min", "max" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "case_sensitive", "attribute");
                List<Object> items = iterable(v, name, in, at);
                if (items.isEmpty()) yield new Undefined("No aggregated item, sequence was empty.");
                Object best = items.get(0);
                for (Object item : items) {
                    Object x = key(item, a, in, at), y = key(best, a, in, at);
                    int c = order(x, y, in, at);
                    if (name.equals("min") ? c < 0 : c > 0) best = item;
                }
                yield best;
            }
            case "sort" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "reverse", "case_sensitive", "attribute");
                List<Object> items = iterable(v, name, in, at);
                boolean cs = a.bool(1, false);
                Object attr = a.get(2, null);
                items.sort((x, y) -> order(sortKey(attr == null ? x : attributePath(x, attr, in, at), cs),
                        sortKey(attr == null ? y : attributePath(y, attr, in, at), cs), in, at));
                if (a.bool(0, false)) Collections.reverse(items);
                yield items;
            }
            case "unique" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "case_sensitive", "attribute");
                List<Object> out = new ArrayList<>(), seen = new ArrayList<>();
                for (Object item : iterable(v, name, in, at)) {
                    Object k = key(item, a, in, at);
                    boolean dup = false;
                    for (Object s : seen) if (PythonValues.equal(s, k)) { dup = true; break; }
                    if (!dup) { seen.add(k); out.add(item); }
                }
                yield out;
            }
            case "map" -> map(v, args, kw, in, at);
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object item : iterable(v, name, in, at)) {
                    boolean ok = args.isEmpty() ? PythonValues.truthy(item)
                            : JinjaTests.apply(PythonValues.str(args.get(0)), item, args.subList(1, args.size()), in, at);
                    if (ok == name.equals("select")) out.add(item);
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) throw in.error(name + "() needs an attribute name", at);
                List<Object> out = new ArrayList<>();
                for (Object item : iterable(v, name, in, at)) {
                    Object x = attributePath(item, args.get(0), in, at);
                    boolean ok = args.size() < 2 ? PythonValues.truthy(x)
                            : JinjaTests.apply(PythonValues.str(args.get(1)), x, args.subList(2, args.size()), in, at);
                    if (ok == name.equals("selectattr")) out.add(item);
                }
                yield out;
            }
            case "tojson" -> {
                // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
                Arguments a = new Arguments(name, args, kw, in, at, "ensure_ascii", "indent", "separators", "sort_keys");
                Object ind = a.get(1, null);
                String indent = ind == null ? null : ind instanceof String s ? s
                        : PythonValues.isInteger(ind) ? " ".repeat((int) Math.max(0, Math.min(1000, PythonValues.asLong(ind)))) : null;
                if (ind != null && indent == null) throw in.error("tojson: indent must be an int or a string", at);
                String item = null, key = null;
                Object sep = a.get(2, null);
                if (sep != null) {
                    if (!(sep instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof String) || !(l.get(1) instanceof String))
                        throw in.error("tojson: separators must be a pair of strings", at);
                    item = (String) l.get(0);
                    key = (String) l.get(1);
                }
                try {
                    yield new PythonJson(a.bool(0, false), indent, item, key, a.bool(3, false)).dumps(v);
                } catch (PythonJson.NotSerializable e) {
                    throw in.error(e.getMessage(), at);
                }
            }
            case "indent" -> {
                Arguments a = new Arguments(name, args, kw, in, at, "width", "first", "blank");
                Object w = a.get(0, 4L);
                String ind = w instanceof String s ? s : " ".repeat((int) Math.max(0, Math.min(1000, PythonValues.asLong(w))));
                String s = text(v) + "\n";
                List<Object> lines = PythonStrings.splitlines(s);
                StringBuilder b = new StringBuilder();
                if (a.bool(2, false)) {
                    for (int k = 0; k < lines.size(); k++) { if (k > 0) b.append('\n').append(ind); b.append(lines.get(k)); }
                } else {
                    b.append(lines.isEmpty() ? "" : (String) lines.get(0));
                    for (int k = 1; k < lines.size(); k++) {
                        String line = (String) lines.get(k);
                        b.append('\n');
                        if (!line.isEmpty()) b.append(ind);
                        b.append(line);
                    }
                }
                yield a.bool(1, false) ? ind + b : b.toString();
            }
            case "wordcount" -> { none(name, args, kw, in, at); yield (long) PythonStrings.split(text(v), null, -1).size(); }
            default -> throw in.error("no filter named '" + name + "'", at);
        };
    }

    private static void none(String name, List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        new Arguments(name, args, kw, in, at);
    }

    /** Jinja's soft_str: str(), with Undefined as "". */
    private static String text(Object v) { return PythonValues.str(v); }

    private static List<Object> iterable(Object v, String filter, Interpreter in, Position at) {
        List<Object> items = PythonValues.iterate(v);
        if (items == null) throw in.error("'" + PythonValues.typeName(v) + "' object is not iterable", at);
        return items;
    }

    /** Jinja's make_attrgetter: "a.b.0" walks items/attributes. */
    private static Object attributePath(Object item, Object attribute, Interpreter in, Position at) {
        if (PythonValues.isInteger(attribute)) return Access.item(item, attribute, in, at);
        Object v = item;
        for (String part : PythonValues.str(attribute).split("\\.", -1)) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            v = Access.item(v, key, in, at);
        }
        return v;
    }

    private static Object key(Object item, Arguments a, Interpreter in, Position at) {
        Object attr = a.get(1, null);
        return sortKey(attr == null ? item : attributePath(item, attr, in, at), a.bool(0, false));
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? PythonStrings.lower(s) : v;
    }

    private static int order(Object x, Object y, Interpreter in, Position at) {
        Integer c = PythonValues.compare(x, y);
        if (c == null) throw in.error("'<' not supported between instances of '" + PythonValues.typeName(x) + "' and '"
                + PythonValues.typeName(y) + "'", at);
        return c;
    }

    private static Object map(Object v, List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        List<Object> out = new ArrayList<>();
        List<Object> items = iterable(v, "map", in, at);
        if (kw.containsKey("attribute")) {
            Object dflt = kw.get("default");
            for (Object item : items) {
                Object x = attributePath(item, kw.get("attribute"), in, at);
                out.add(x instanceof Undefined && kw.containsKey("default") ? dflt : x);
            }
            return out;
        }
        if (args.isEmpty()) throw in.error("map() needs a filter name or attribute=", at);
        String filter = PythonValues.str(args.get(0));
        for (Object item : items) out.add(apply(filter, item, args.subList(1, args.size()), kw, in, at));
        return out;
    }

    /** Jinja's do_title: words split at whitespace and {@code - ( { [ <}, each capitalized. */
    private static String jinjaTitle(String s) {
        StringBuilder b = new StringBuilder();
        boolean start = true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean sep = (cp < 0x10000 && PythonStrings.isSpace((char) cp)) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
            if (sep) { b.appendCodePoint(cp); start = true; }
            else if (start) { b.append(new String(Character.toChars(Character.toTitleCase(cp)))); start = false; }
            else b.append(new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT));
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&#34;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static Object toInt(Object v, Object dflt, long base) {
        if (v instanceof Boolean b) return b ? 1L : 0L;
        if (v instanceof Long l) return l;
        if (v instanceof Double d) return Double.isFinite(d) ? (Object) (long) (double) d : dflt;
        if (v instanceof String s) {
            String t = PythonStrings.strip(s).replace("_", "");
            try {
                return Long.parseLong(t, (int) base);
            } catch (NumberFormatException e) {
                try {
                    double d = Double.parseDouble(t);
                    return Double.isFinite(d) ? (Object) (long) d : dflt;
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (PythonValues.isNumber(v)) return PythonValues.asDouble(v);
        if (v instanceof String s) {
            try {
                return Double.parseDouble(PythonStrings.strip(s));
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }
}
