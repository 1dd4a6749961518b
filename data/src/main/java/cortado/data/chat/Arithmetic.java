package cortado.data.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's operators on template values: {@code + - * / // % **}, unary minus, and comparisons, with Python's
 * errors for mixed types (1 + 'a' is a TypeError, not a concatenation) and for Undefined operands (Jinja's
 * default Undefined refuses arithmetic).
 */
final class Arithmetic {
    private Arithmetic() {}

    private static TemplateException typeError(String op, Object a, Object b, Interpreter in, Position at) {
        return in.error("unsupported operand type(s) for " + op + ": '" + PythonValues.typeName(a) + "' and '"
                + PythonValues.typeName(b) + "'", at);
    }

    private static void refuseUndefined(Object v, Interpreter in, Position at) {
        if (v instanceof Undefined u) throw in.error(u.message(), at);
    }

    static Object unary(String op, Object v, Interpreter in, Position at) {
        refuseUndefined(v, in, at);
        if (!PythonValues.isNumber(v)) throw in.error("bad operand type for unary " + op + ": '" + PythonValues.typeName(v) + "'", at);
        if (op.equals("+")) return v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v;
        if (PythonValues.isInteger(v)) {
            long x = PythonValues.asLong(v);
            if (x == Long.MIN_VALUE) throw in.error("integer overflow", at);
            return -x;
        }
        return -PythonValues.asDouble(v);
    }

    static Object binary(String op, Object a, Object b, Interpreter in, Position at) {
        // str % x is str.__mod__, which takes anything (an Undefined counts as a mapping, having __getitem__)
        if (op.equals("%") && a instanceof String s) return PrintfFormat.format(s, b, in, at);
        refuseUndefined(a, in, at);
        refuseUndefined(b, in, at);
        boolean nums = PythonValues.isNumber(a) && PythonValues.isNumber(b);
        boolean ints = nums && PythonValues.isInteger(a) && PythonValues.isInteger(b);
        try {
            switch (op) {
                case "+" -> {
                    if (ints) return Math.addExact(PythonValues.asLong(a), PythonValues.asLong(b));
                    if (nums) return PythonValues.asDouble(a) + PythonValues.asDouble(b);
                    if (a instanceof String x && b instanceof String y) {
                        if ((long) x.length() + y.length() > Interpreter.MAX_OUTPUT_CHARS) throw in.error("string too long", at);
                        return x + y;
                    }
                    if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
                        List<Object> out = new ArrayList<>(x);
                        out.addAll(y);
                        return a instanceof Tuple ? new Tuple(out) : out;
                    }
                    if (a instanceof List && !(a instanceof DictView)) {
                        throw in.error("can only concatenate " + PythonValues.typeName(a) + " (not \""
                                + PythonValues.typeName(b) + "\") to " + PythonValues.typeName(a), at);
                    }
                    if (a instanceof String && !(b instanceof String))
                        throw in.error("can only concatenate str (not \"" + PythonValues.typeName(b) + "\") to str", at);
                    throw typeError("+", a, b, in, at);
                }
                case "-" -> {
                    if (ints) return Math.subtractExact(PythonValues.asLong(a), PythonValues.asLong(b));
                    if (nums) return PythonValues.asDouble(a) - PythonValues.asDouble(b);
                    throw typeError("-", a, b, in, at);
                }
                case "*" -> {
                    if (ints) return Math.multiplyExact(PythonValues.asLong(a), PythonValues.asLong(b));
                    if (nums) return PythonValues.asDouble(a) * PythonValues.asDouble(b);
                    if (isSequence(a) || isSequence(b)) {
                        Object seq = isSequence(a) ? a : b;
                        Object count = isSequence(a) ? b : a;
                        if (!PythonValues.isInteger(count)) throw in.error("can't multiply sequence by non-int of type '"
                                + PythonValues.typeName(count) + "'", at);
                        long n = Math.max(0, PythonValues.asLong(count));
                        long len = seq instanceof String s ? s.length() : ((List<?>) seq).size();
                        if (len * n > Interpreter.MAX_OUTPUT_CHARS || (len > 0 && n > Interpreter.MAX_OUTPUT_CHARS))
                            throw in.error("repetition result too long", at);
                        if (seq instanceof String s) return s.repeat((int) n);
                        List<Object> out = new ArrayList<>();
                        for (long k = 0; k < n; k++) out.addAll((List<?>) seq);
                        return seq instanceof Tuple ? new Tuple(out) : out;
                    }
                    throw typeError("*", a, b, in, at);
                }
                case "/" -> {
                    if (!nums) throw typeError("/", a, b, in, at);
                    double y = PythonValues.asDouble(b);
                    if (y == 0) throw in.error("division by zero", at);
                    return PythonValues.asDouble(a) / y;
                }
                case "//" -> {
                    if (!nums) throw typeError("//", a, b, in, at);
                    if (ints) {
                        long y = PythonValues.asLong(b);
                        if (y == 0) throw in.error("integer division or modulo by zero", at);
                        return Math.floorDiv(PythonValues.asLong(a), y);
                    }
                    double y = PythonValues.asDouble(b);
                    if (y == 0) throw in.error("float floor division by zero", at);
                    return Math.floor(PythonValues.asDouble(a) / y);
                }
                case "%" -> {
                    if (a instanceof String s) return PrintfFormat.format(s, b, in, at);
                    if (!nums) throw typeError("%", a, b, in, at);
                    if (ints) {
                        long y = PythonValues.asLong(b);
                        if (y == 0) throw in.error("integer modulo by zero", at);
                        return Math.floorMod(PythonValues.asLong(a), y);
                    }
                    double x = PythonValues.asDouble(a), y = PythonValues.asDouble(b);
                    if (y == 0) throw in.error("float modulo", at);
                    double r = x % y; // CPython's float_rem: the sign of the divisor, a zero result too
                    if (r != 0 && (r < 0) != (y < 0)) r += y;
                    else if (r == 0) r = Math.copySign(0.0, y);
                    return r;
                }
                case "**" -> {
                    if (!nums) throw typeError("** or pow()", a, b, in, at);
                    if (ints && PythonValues.asLong(b) >= 0) {
                        long base = PythonValues.asLong(a), e = PythonValues.asLong(b), r = 1;
                        while (e > 0) {
                            if ((e & 1) == 1) r = Math.multiplyExact(r, base);
                            e >>= 1;
                            if (e > 0) base = Math.multiplyExact(base, base);
                        }
                        return r;
                    }
                    return Math.pow(PythonValues.asDouble(a), PythonValues.asDouble(b));
                }
                default -> throw in.error("unknown operator " + op, at);
            }
        } catch (ArithmeticException overflow) {
            throw in.error("integer overflow in '" + op + "'", at);
        }
    }

    private static boolean isSequence(Object v) {
        return v instanceof String || (v instanceof List && !(v instanceof DictView));
    }

    static boolean compare(String op, Object a, Object b, Interpreter in, Position at) {
        switch (op) {
            case "==" -> { return PythonValues.equal(a, b); }
            case "!=" -> { return !PythonValues.equal(a, b); }
            case "in", "not in" -> {
                Boolean r = PythonValues.contains(b, a);
                if (r == null) {
                    if (b instanceof Map) throw in.error("unhashable type: '" + PythonValues.typeName(a) + "'", at);
                    if (b instanceof String) throw in.error("'in <string>' requires string as left operand, not "
                            + PythonValues.typeName(a), at);
                    throw in.error("argument of type '" + PythonValues.typeName(b) + "' is not iterable", at);
                }
                return op.equals("in") == r;
            }
            default -> {
                refuseUndefined(a, in, at);
                refuseUndefined(b, in, at);
                Integer c = PythonValues.compare(a, b);
                if (c == null) {
                    if (PythonValues.isNumber(a) && PythonValues.isNumber(b)) return false; // NaN
                    throw in.error("'" + op + "' not supported between instances of '" + PythonValues.typeName(a)
                            + "' and '" + PythonValues.typeName(b) + "'", at);
                }
                return switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
            }
        }
    }
}
