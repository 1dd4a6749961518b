package cortado.data.chat;

import java.util.List;

/** An expression of the template language (Jinja's {@code nodes.Expr} subset), with where it starts. */
sealed interface Expr {
    Position pos();

    /** A string, number, boolean or none literal. */
    record Literal(Object value, Position pos) implements Expr {}

    /** A variable. */
    record Name(String name, Position pos) implements Expr {}

    /** {@code [a, b]} or, when {@code tuple}, {@code (a, b)}. */
    record ListOf(List<Expr> items, boolean tuple, Position pos) implements Expr {}

    /** {@code {k: v, ...}}. */
    record DictOf(List<Expr> keys, List<Expr> values, Position pos) implements Expr {}

    /** {@code obj.name}. */
    record Attribute(Expr obj, String name, Position pos) implements Expr {}

    /** {@code obj[key]}. */
    record Item(Expr obj, Expr key, Position pos) implements Expr {}

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr obj, Expr start, Expr stop, Expr step, Position pos) implements Expr {}

    /** {@code fn(args, name=value)}. */
    record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, Position pos) implements Expr {}

    /** {@code value | name(args)}; value is null inside a {@code {% filter %}} block head. */
    record Filter(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, Position pos)
            implements Expr {}

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, List<Expr> args, boolean negated, Position pos) implements Expr {}

    /** {@code not x}, {@code -x}, {@code +x}. */
    record Unary(String op, Expr operand, Position pos) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, Position pos) implements Expr {}

    /** A chain {@code a < b == c}, {@code a in b}, {@code a not in b}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, Position pos) implements Expr {}

    /** {@code then if test else otherwise}; otherwise may be null (then Undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise, Position pos) implements Expr {}
}
