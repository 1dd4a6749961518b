package cortado.data.chat;

import java.util.List;
import java.util.Map;

/**
 * Jinja's tests ({@code x is defined}, {@code x is string}, {@code x is equalto 3}, ...), with jinja2/tests.py's
 * definitions: a string is {@code iterable} and a {@code sequence}; only dicts are {@code mapping}s; Undefined is
 * iterable (it iterates as empty); booleans are {@code number}s but not {@code integer}s.
 */
final class JinjaTests {
    private JinjaTests() {}

    /** Every test {@link #apply} knows; the parser rejects others, as Jinja does at compile time. */
    static final java.util.Set<String> NAMES = java.util.Set.of("defined", "undefined", "none", "boolean", "true",
            "false", "integer", "float", "number", "string", "mapping", "iterable", "sequence", "callable", "escaped",
            "lower", "upper", "odd", "even", "divisibleby", "sameas", "eq", "equalto", "==", "ne", "!=", "lt",
            "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in");

    static boolean apply(String name, Object v, List<Object> args, Interpreter in, Position at) {
        return switch (name) {
            case "defined" -> { none(name, args, in, at); yield !(v instanceof Undefined); }
            case "undefined" -> { none(name, args, in, at); yield v instanceof Undefined; }
            case "none" -> { none(name, args, in, at); yield v == null; }
            case "boolean" -> { none(name, args, in, at); yield v instanceof Boolean; }
            case "true" -> { none(name, args, in, at); yield Boolean.TRUE.equals(v); }
            case "false" -> { none(name, args, in, at); yield Boolean.FALSE.equals(v); }
            case "integer" -> { none(name, args, in, at); yield v instanceof Long || v instanceof Integer; }
            case "float" -> { none(name, args, in, at); yield v instanceof Double || v instanceof Float; }
            case "number" -> { none(name, args, in, at); yield PythonValues.isNumber(v); }
            case "string" -> { none(name, args, in, at); yield v instanceof String; }
            case "mapping" -> { none(name, args, in, at); yield v instanceof Map; }
            case "iterable" -> { none(name, args, in, at); yield PythonValues.iterate(v) != null; }
            case "sequence" -> { none(name, args, in, at); yield v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined; }
            case "callable" -> { none(name, args, in, at); yield v instanceof Callable; }
            case "escaped" -> { none(name, args, in, at); yield false; }
            case "lower" -> { none(name, args, in, at); yield isCase(PythonValues.str(v), false); }
            case "upper" -> { none(name, args, in, at); yield isCase(PythonValues.str(v), true); }
            case "odd", "even" -> {
                none(name, args, in, at);
                Object r = Arithmetic.binary("%", v, 2L, in, at); // jinja2: value % 2 == 1 / value % 2 == 0
                yield PythonValues.equal(r, name.equals("odd") ? 1L : 0L);
            }
            case "divisibleby" -> PythonValues.equal(Arithmetic.binary("%", v, one(name, args, in, at), in, at), 0L);
            case "sameas" -> {
                Object o = one(name, args, in, at);
                yield v == o || (v instanceof Boolean && v.equals(o));
            }
            case "eq", "equalto", "==" -> Arithmetic.compare("==", v, one(name, args, in, at), in, at);
            case "ne", "!=" -> Arithmetic.compare("!=", v, one(name, args, in, at), in, at);
            case "lt", "lessthan", "<" -> Arithmetic.compare("<", v, one(name, args, in, at), in, at);
            case "le", "<=" -> Arithmetic.compare("<=", v, one(name, args, in, at), in, at);
            case "gt", "greaterthan", ">" -> Arithmetic.compare(">", v, one(name, args, in, at), in, at);
            case "ge", ">=" -> Arithmetic.compare(">=", v, one(name, args, in, at), in, at);
            case "in" -> Arithmetic.compare("in", v, one(name, args, in, at), in, at);
            default -> throw in.error("no test named '" + name + "'", at);
        };
    }

    private static void none(String name, List<Object> args, Interpreter in, Position at) {
        if (!args.isEmpty()) throw in.error("test '" + name + "' takes no argument", at);
    }

    private static Object one(String name, List<Object> args, Interpreter in, Position at) {
        if (args.size() != 1) throw in.error("test '" + name + "' takes one argument", at);
        return args.get(0);
    }

    /** Python's str.isupper()/islower(): some cased character, and none of the other case. */
    private static boolean isCase(String s, boolean upper) {
        boolean cased = false;
        for (int cp : s.codePoints().toArray()) {
            boolean u = Character.isUpperCase(cp) || Character.isTitleCase(cp), l = Character.isLowerCase(cp);
            if (upper ? l : u) return false;
            if (u || l) cased = true;
        }
        return cased;
    }
}
