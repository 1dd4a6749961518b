package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Python methods a template may call on its values: {@code str} methods ({@code strip}, {@code split},
 * {@code startswith}, {@code format}, ...), {@code dict.get/items/keys/values} and {@code list.index/count}.
 * Mutating methods ({@code list.append}, {@code dict.update}) are absent, as in transformers' immutable sandbox.
 */
final class Methods {
    private Methods() {}

    @FunctionalInterface
    private interface Body {
        Object call(List<Object> args, Map<String, Object> kwargs, Interpreter in, Position at);
    }

    private record Bound(String describe, Body body) implements Callable {
        @Override public Object call(List<Object> args, Map<String, Object> kwargs, Interpreter in, Position at) {
            return body.call(args, kwargs, in, at);
        }
    }

    private static Callable bound(Object self, String name, Body body) {
        return new Bound("<built-in method " + name + " of " + PythonValues.typeName(self) + " object>", body);
    }

    /** The method {@code name} bound to {@code self}, or null when there is none. */
    static Callable lookup(Object self, String name) {
        if (self instanceof String s) return stringMethod(s, name);
        if (self instanceof Map<?, ?> m) return dictMethod(m, name);
        if (self instanceof List<?> l) return listMethod(l, name);
        return null;
    }

    private static Callable dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "get" -> bound(m, name, (args, kw, in, at) -> {
                Arguments a = new Arguments("get", args, kw, in, at, "key", "default");
                Object k = a.required(0);
                if (m.containsKey(k)) return m.get(k);
                if (PythonValues.isNumber(k)) for (Map.Entry<?, ?> e : m.entrySet())
                    if (PythonValues.equal(e.getKey(), k)) return e.getValue();
                return a.get(1, null);
            });
            case "items" -> bound(m, name, (args, kw, in, at) -> {
                new Arguments("items", args, kw, in, at);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                return out;
            });
            case "keys" -> bound(m, name, (args, kw, in, at) -> {
                new Arguments("keys", args, kw, in, at);
                return new ArrayList<Object>(m.keySet());
            });
            case "values" -> bound(m, name, (args, kw, in, at) -> {
                new Arguments("values", args, kw, in, at);
                return new ArrayList<Object>(m.values());
            });
            default -> null;
        };
    }

    private static Callable listMethod(List<?> l, String name) {
        return switch (name) {
            case "index" -> bound(l, name, (args, kw, in, at) -> {
                Object x = new Arguments("index", args, kw, in, at, "value").required(0);
                for (int k = 0; k < l.size(); k++) if (PythonValues.equal(l.get(k), x)) return (long) k;
                throw in.error(PythonValues.repr(x) + " is not in list", at);
            });
            case "count" -> bound(l, name, (args, kw, in, at) -> {
                Object x = new Arguments("count", args, kw, in, at, "value").required(0);
                long n = 0;
                for (Object o : l) if (PythonValues.equal(o, x)) n++;
                return n;
            });
            default -> null;
        };
    }

    private static Callable stringMethod(String s, String name) {
        return switch (name) {
            case "startswith", "endswith" -> bound(s, name, (args, kw, in, at) -> {
                Arguments a = new Arguments(name, args, kw, in, at, "prefix", "start", "end");
                Object p = a.required(0);
                String sub = s;
                if (a.has(1) || a.has(2)) {
                    Object sliced = Access.slice(s, a.get(1, null), a.get(2, null), null, in, at);
                    sub = (String) sliced;
                }
                List<Object> options = p instanceof Tuple t ? t : List.of(p);
                for (Object o : options) {
                    if (!(o instanceof String x)) throw in.error(name + " first arg must be str or a tuple of str, not "
                            + PythonValues.typeName(o), at);
                    if (name.equals("startswith") ? sub.startsWith(x) : sub.endsWith(x)) return true;
                }
                return false;
            });
            case "strip", "lstrip", "rstrip" -> bound(s, name, (args, kw, in, at) -> {
                String chars = new Arguments(name, args, kw, in, at, "chars").string(0, null);
                return PythonStrings.strip(s, chars, name.charAt(0) == 's' ? 'b' : name.charAt(0));
            });
            case "split", "rsplit" -> bound(s, name, (args, kw, in, at) -> {
                Arguments a = new Arguments(name, args, kw, in, at, "sep", "maxsplit");
                String sep = a.string(0, null);
                if (sep != null && sep.isEmpty()) throw in.error("empty separator", at);
                long max = a.integer(1, -1);
                return name.equals("split") ? PythonStrings.split(s, sep, max) : PythonStrings.rsplit(s, sep, max);
            });
            case "splitlines" -> bound(s, name, (args, kw, in, at) -> {
                new Arguments(name, args, kw, in, at);
                return PythonStrings.splitlines(s);
            });
            case "upper" -> noArgs(s, name, PythonStrings::upper);
            case "lower" -> noArgs(s, name, PythonStrings::lower);
            case "title" -> noArgs(s, name, PythonStrings::title);
            case "capitalize" -> noArgs(s, name, PythonStrings::capitalize);
            case "isdigit", "isnumeric", "isdecimal" -> predicate(s, name, c -> Character.isDigit(c));
            case "isalpha" -> predicate(s, name, Character::isLetter);
            case "isalnum" -> predicate(s, name, Character::isLetterOrDigit);
            case "isspace" -> predicate(s, name, c -> c < 0x10000 && PythonStrings.isSpace((char) c));
            case "isupper", "islower" -> bound(s, name, (args, kw, in, at) -> {
                new Arguments(name, args, kw, in, at);
                boolean cased = false;
                for (int cp : s.codePoints().toArray()) {
                    if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                        if (name.equals("islower")) return false;
                        cased = true;
                    } else if (Character.isLowerCase(cp)) {
                        if (name.equals("isupper")) return false;
                        cased = true;
                    }
                }
                return cased;
            });
            case "replace" -> bound(s, name, (args, kw, in, at) -> {
                Arguments a = new Arguments(name, args, kw, in, at, "old", "new", "count");
                return PythonStrings.replace(s, a.string(0), a.string(1), a.integer(2, -1));
            });
            case "find", "rfind", "index", "rindex" -> bound(s, name, (args, kw, in, at) -> {
                String sub = new Arguments(name, args, kw, in, at, "sub").string(0);
                int k = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (k < 0 && name.endsWith("index")) throw in.error("substring not found", at);
                return k < 0 ? -1L : (long) s.codePointCount(0, k);
            });
            case "count" -> bound(s, name, (args, kw, in, at) -> {
                String sub = new Arguments(name, args, kw, in, at, "sub").string(0);
                if (sub.isEmpty()) return PythonValues.length(s) + 1;
                long n = 0;
                for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
                return n;
            });
            case "join" -> bound(s, name, (args, kw, in, at) -> {
                Object it = new Arguments(name, args, kw, in, at, "iterable").required(0);
                List<Object> items = PythonValues.iterate(it);
                if (items == null) throw in.error("can only join an iterable", at);
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < items.size(); k++) {
                    if (!(items.get(k) instanceof String x)) throw in.error("sequence item " + k + ": expected str instance, "
                            + PythonValues.typeName(items.get(k)) + " found", at);
                    if (k > 0) b.append(s);
                    b.append(x);
                }
                return b.toString();
            });
            case "format" -> bound(s, name, (args, kw, in, at) -> format(s, args, kw, in, at));
            default -> null;
        };
    }

    private static Callable noArgs(String s, String name, java.util.function.UnaryOperator<String> f) {
        return bound(s, name, (args, kw, in, at) -> {
            new Arguments(name, args, kw, in, at);
            return f.apply(s);
        });
    }

    private static Callable predicate(String s, String name, java.util.function.IntPredicate p) {
        return bound(s, name, (args, kw, in, at) -> {
            new Arguments(name, args, kw, in, at);
            return !s.isEmpty() && s.codePoints().allMatch(p);
        });
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code {{}} and {@code }}}; no format specs. */
    private static String format(String s, List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '{') { b.append('{'); i++; continue; }
                int end = s.indexOf('}', i);
                if (end < 0) throw in.error("Single '{' encountered in format string", at);
                String field = s.substring(i + 1, end);
                if (field.contains(":") || field.contains("!")) throw in.error("format specs in str.format are not supported", at);
                Object v;
                if (field.isEmpty()) {
                    if (auto >= args.size()) throw in.error("Replacement index " + auto + " out of range for positional args tuple", at);
                    v = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int k = Integer.parseInt(field);
                    if (k >= args.size()) throw in.error("Replacement index " + k + " out of range for positional args tuple", at);
                    v = args.get(k);
                } else {
                    if (!kw.containsKey(field)) throw in.error("KeyError: " + PythonStrings.repr(field), at);
                    v = kw.get(field);
                }
                b.append(PythonValues.str(v));
                i = end;
            } else if (c == '}') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '}') { b.append('}'); i++; continue; }
                throw in.error("Single '}' encountered in format string", at);
            } else b.append(c);
        }
        return b.toString();
    }
}
