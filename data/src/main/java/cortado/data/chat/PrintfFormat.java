package cortado.data.chat;

import java.util.List;
import java.util.Map;

/**
 * Python's {@code str % args} for the conversions templates use: {@code %s}, {@code %r}, {@code %d}/{@code %i},
 * {@code %%} and {@code %(name)s} with a dict. A tuple supplies several arguments, any other value one; as in
 * CPython, a mapping (dict, list or Undefined) with no conversion leaves the string as is, anything else left over is
 * "not all arguments converted".
 */
final class PrintfFormat {
    private PrintfFormat() {}

    static String format(String s, Object arg, Interpreter in, Position at) {
        List<?> args = arg instanceof Tuple t ? t : List.of(arg == null ? NONE : arg);
        boolean mapping = (arg instanceof Map || arg instanceof List || arg instanceof Undefined) && !(arg instanceof Tuple);
        StringBuilder b = new StringBuilder();
        int next = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') { b.append(c); continue; }
            if (++i >= s.length()) throw in.error("incomplete format", at);
            Object value;
            char conv = s.charAt(i);
            if (conv == '%') { b.append('%'); continue; }
            if (conv == '(') {
                int close = s.indexOf(')', i);
                if (close < 0) throw in.error("incomplete format key", at);
                if (!(arg instanceof Map<?, ?> m)) throw in.error("format requires a mapping", at);
                String key = s.substring(i + 1, close);
                if (!m.containsKey(key)) throw in.error("KeyError: " + PythonStrings.repr(key), at);
                value = m.get(key);
                i = close + 1;
                if (i >= s.length()) throw in.error("incomplete format", at);
                conv = s.charAt(i);
            } else {
                if (next >= args.size()) throw in.error("not enough arguments for format string", at);
                value = args.get(next++);
                if (value == NONE) value = null;
            }
            switch (conv) {
                case 's' -> b.append(PythonValues.str(value));
                case 'r' -> b.append(PythonValues.repr(value));
                case 'd', 'i' -> {
                    if (!PythonValues.isNumber(value)) throw in.error("%" + conv + " format: a real number is required, not "
                            + PythonValues.typeName(value), at);
                    b.append(PythonValues.isInteger(value) ? PythonValues.asLong(value) : (long) PythonValues.asDouble(value));
                }
                default -> throw in.error("unsupported format character '" + conv + "' in a template's % formatting", at);
            }
        }
        if (next < args.size() && !mapping) throw in.error("not all arguments converted during string formatting", at);
        return b.toString();
    }

    private static final Object NONE = new Object();
}
