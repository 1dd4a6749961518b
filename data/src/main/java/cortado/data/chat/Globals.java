package cortado.data.chat;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The functions every template can call: Jinja's {@code range}, {@code namespace}, {@code dict}, and the two that
 * transformers adds, {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {
    private Globals() {}

    private record Function(String name, Body body) implements Callable {
        @Override public Object call(List<Object> args, Map<String, Object> kwargs, Interpreter in, Position at) {
            return body.call(args, kwargs, in, at);
        }

        @Override public String describe() { return "<function " + name + ">"; }
    }

    @FunctionalInterface
    private interface Body {
        Object call(List<Object> args, Map<String, Object> kwargs, Interpreter in, Position at);
    }

    static void install(Map<String, Object> globals, Supplier<LocalDateTime> clock) {
        globals.put("range", new Function("range", Globals::range));
        globals.put("namespace", new Function("namespace", (args, kw, in, at) -> {
            Namespace ns = new Namespace();
            for (Map.Entry<String, Object> e : dict("namespace", args, kw, in, at).entrySet())
                ns.attributes.put(String.valueOf(e.getKey()), e.getValue());
            return ns;
        }));
        globals.put("dict", new Function("dict", (args, kw, in, at) -> new LinkedHashMap<Object, Object>(dict("dict", args, kw, in, at))));
        globals.put("raise_exception", new Function("raise_exception", (args, kw, in, at) -> {
            Object msg = new Arguments("raise_exception", args, kw, in, at, "message").required(0);
            throw new RaisedException(PythonValues.str(msg), in.name, at.line(), at.column());
        }));
        globals.put("strftime_now", new Function("strftime_now", (args, kw, in, at) -> {
            String fmt = new Arguments("strftime_now", args, kw, in, at, "format").string(0);
            return Strftime.format(clock.get(), fmt, in, at);
        }));
    }

    private static Map<String, Object> dict(String fn, List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (args.size() > 1) throw in.error(fn + "() expected at most 1 positional argument, got " + args.size(), at);
        if (args.size() == 1) {
            if (!(args.get(0) instanceof Map<?, ?> m)) throw in.error(fn + "() positional argument must be a dict", at);
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
        }
        out.putAll(kw);
        return out;
    }

    private static Object range(List<Object> args, Map<String, Object> kw, Interpreter in, Position at) {
        if (!kw.isEmpty()) throw in.error("range() takes no keyword arguments", at);
        if (args.isEmpty() || args.size() > 3) throw in.error("range expected 1 to 3 arguments, got " + args.size(), at);
        long[] v = new long[args.size()];
        for (int k = 0; k < v.length; k++) {
            if (!PythonValues.isInteger(args.get(k))) throw in.error("'" + PythonValues.typeName(args.get(k))
                    + "' object cannot be interpreted as an integer", at);
            v[k] = PythonValues.asLong(args.get(k));
        }
        long start = v.length == 1 ? 0 : v[0], stop = v.length == 1 ? v[0] : v[1], step = v.length == 3 ? v[2] : 1;
        if (step == 0) throw in.error("range() arg 3 must not be zero", at);
        double count = Math.max(0, Math.ceil(((double) stop - start) / step));
        if (count > Interpreter.MAX_RANGE)
            throw in.error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + Interpreter.MAX_RANGE + ").", at);
        List<Object> out = new ArrayList<>();
        for (long x = start; step > 0 ? x < stop : x > stop; x += step) out.add(x);
        return out;
    }
}
