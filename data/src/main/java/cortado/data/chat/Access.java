package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code obj.name}, {@code obj[key]} and {@code obj[a:b:c]} as Jinja resolves them: {@code .name} tries the
 * Python attribute first (a dict's {@code items}, a string's {@code strip}) and then the key, {@code [key]} the key
 * first and then the attribute; a miss is {@link Undefined}, and any access on an Undefined fails.
 */
final class Access {
    private Access() {}

    static Object attribute(Object obj, String name, Interpreter in, Position at) {
        if (obj instanceof Undefined u) throw in.error(u.message(), at);
        Callable method = Methods.lookup(obj, name);
        if (method != null) return method;
        return key(obj, name, in, at);
    }

    static Object item(Object obj, Object key, Interpreter in, Position at) {
        if (obj instanceof Undefined u) throw in.error(u.message(), at);
        Object v = key(obj, key, in, at);
        if (v instanceof Undefined && key instanceof String s) {
            Callable method = Methods.lookup(obj, s);
            if (method != null) return method;
        }
        return v;
    }

    /** {@code obj[key]} without the attribute fallback. */
    private static Object key(Object obj, Object key, Interpreter in, Position at) {
        if (obj instanceof Map<?, ?> m) {
            Object k = key;
            if (key instanceof Integer i) k = (long) i;
            if (m.containsKey(k)) return m.get(k);
            if (PythonValues.isNumber(key)) for (Map.Entry<?, ?> e : m.entrySet())
                if (PythonValues.equal(e.getKey(), key)) return e.getValue();
            return Undefined.item(obj, key);
        }
        if (obj instanceof Namespace n && key instanceof String s) {
            return n.attributes.containsKey(s) ? n.attributes.get(s) : Undefined.item(obj, key);
        }
        if (obj instanceof Loop l && key instanceof String s) {
            Object v = l.attribute(s);
            return v != null ? v : Undefined.item(obj, key);
        }
        if (PythonValues.isInteger(key) && (obj instanceof List || obj instanceof String)) {
            long n = PythonValues.length(obj);
            long k = PythonValues.asLong(key);
            if (k < 0) k += n;
            if (k < 0 || k >= n) return Undefined.item(obj, key);
            if (obj instanceof List<?> l) return l.get((int) k);
            String s = (String) obj;
            return PythonValues.codePointSlice(s, (int) k, (int) k + 1);
        }
        return Undefined.item(obj, key);
    }

    /** Python's {@code seq[start:stop:step]} on lists, tuples and strings (indices by code point). */
    static Object slice(Object obj, Object start, Object stop, Object step, Interpreter in, Position at) {
        if (obj instanceof Undefined u) throw in.error(u.message(), at);
        if (!(obj instanceof List || obj instanceof String))
            throw in.error("'" + PythonValues.typeName(obj) + "' object is not subscriptable", at);
        long n = PythonValues.length(obj);
        long st = step == null ? 1 : index(step, in, at);
        if (st == 0) throw in.error("slice step cannot be zero", at);
        long lo, hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(index(start, in, at), n, 0, n);
            hi = stop == null ? n : clamp(index(stop, in, at), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(index(start, in, at), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(index(stop, in, at), n, -1, n - 1);
        }
        List<Object> picked = new ArrayList<>();
        List<Object> items = obj instanceof List<?> l ? new ArrayList<>(l) : PythonValues.iterate(obj);
        if (st > 0) for (long k = lo; k < hi; k += st) picked.add(items.get((int) k));
        else for (long k = lo; k > hi; k += st) picked.add(items.get((int) k));
        if (obj instanceof String) {
            StringBuilder b = new StringBuilder();
            for (Object o : picked) b.append((String) o);
            return b.toString();
        }
        return obj instanceof Tuple ? new Tuple(picked) : picked;
    }

    private static long index(Object v, Interpreter in, Position at) {
        if (v == null) return 0;
        if (!PythonValues.isInteger(v)) throw in.error("slice indices must be integers or None", at);
        return PythonValues.asLong(v);
    }

    /** PySlice_AdjustIndices: negative indices count from the end, then clamp into [lo, hi]. */
    private static long clamp(long i, long n, long lo, long hi) {
        if (i < 0) i += n;
        return Math.max(lo, Math.min(hi, i));
    }
}
