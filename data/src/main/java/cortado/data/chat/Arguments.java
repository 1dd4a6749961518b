package cortado.data.chat;

import java.util.List;
import java.util.Map;

/**
 * The arguments of one call to a built-in (filter, test, method, global), bound to Python-style parameter names so
 * that {@code f(a, b)} and {@code f(a, name=b)} both work, with Python's errors for missing or extra ones.
 */
final class Arguments {
    private final String function;
    private final String[] names;
    private final Object[] values;
    private final boolean[] given;
    private final Interpreter in;
    private final Position at;

    /** @param names the parameters in order */
    Arguments(String function, List<Object> args, Map<String, Object> kwargs, Interpreter in, Position at, String... names) {
        this.function = function;
        this.names = names;
        this.in = in;
        this.at = at;
        values = new Object[names.length];
        given = new boolean[names.length];
        if (args.size() > names.length)
            throw in.error(function + "() takes at most " + names.length + " argument(s) (" + args.size() + " given)", at);
        for (int k = 0; k < args.size(); k++) { values[k] = args.get(k); given[k] = true; }
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            int k = indexOf(e.getKey());
            if (k < 0) throw in.error(function + "() got an unexpected keyword argument '" + e.getKey() + "'", at);
            if (given[k]) throw in.error(function + "() got multiple values for argument '" + e.getKey() + "'", at);
            values[k] = e.getValue();
            given[k] = true;
        }
    }

    private int indexOf(String n) {
        for (int k = 0; k < names.length; k++) if (names[k].equals(n)) return k;
        return -1;
    }

    boolean has(int k) { return given[k]; }

    Object get(int k) { return values[k]; }

    Object get(int k, Object fallback) { return given[k] ? values[k] : fallback; }

    Object required(int k) {
        if (!given[k]) throw in.error(function + "() missing required argument '" + names[k] + "'", at);
        return values[k];
    }

    String string(int k) {
        Object v = required(k);
        if (!(v instanceof String s)) throw in.error(function + "(): argument '" + names[k] + "' must be str, not "
                + PythonValues.typeName(v), at);
        return s;
    }

    /** A string argument, or fallback when absent or None. */
    String string(int k, String fallback) {
        if (!given[k] || values[k] == null) return fallback;
        return string(k);
    }

    long integer(int k, long fallback) {
        if (!given[k] || values[k] == null) return fallback;
        Object v = values[k];
        if (!PythonValues.isInteger(v)) throw in.error(function + "(): argument '" + names[k] + "' must be int, not "
                + PythonValues.typeName(v), at);
        return PythonValues.asLong(v);
    }

    boolean bool(int k, boolean fallback) {
        return given[k] ? PythonValues.truthy(values[k]) : fallback;
    }
}
