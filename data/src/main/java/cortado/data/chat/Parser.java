package cortado.data.chat;

import cortado.data.chat.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Recursive-descent parser from {@link Token}s to {@link Stmt}s, with Jinja's grammar and operator precedence
 * (jinja2/parser.py, loosest first): {@code x if c else y}, {@code or}, {@code and}, {@code not}, comparisons and
 * {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code - +}, then primaries with
 * {@code .attr}, {@code [index]}, {@code (call)}, {@code | filter} and {@code is test}.
 * Nesting (of tags, brackets and operator chains) is capped at {@link #MAX_DEPTH}, so hostile input fails with a
 * clear error instead of overflowing the stack.
 */
final class Parser {
    /** Deepest nesting of statements and sub-expressions accepted. */
    static final int MAX_DEPTH = 128;

    private final List<Token> tokens;
    private final String name;
    private int i;
    private int depth;
    private int loopDepth;
    /** The tags whose blocks are open, innermost last, to say which one an early end of template left open. */
    private final java.util.ArrayDeque<Token> openTags = new java.util.ArrayDeque<>();

    private Parser(List<Token> tokens, String name) {
        this.tokens = tokens;
        this.name = name;
    }

    static List<Stmt> parse(List<Token> tokens, String name) {
        Parser p = new Parser(tokens, name);
        List<Stmt> body = p.body(Set.of());
        if (p.peek().kind() != Kind.END) throw p.error("unexpected " + p.peek().describe(), p.peek());
        return body;
    }

    // ---- helpers ----

    private Token peek() { return tokens.get(i); }

    private Token peek(int ahead) { return tokens.get(Math.min(i + ahead, tokens.size() - 1)); }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Kind.END) i++;
        return t;
    }

    private TemplateException error(String msg, Token at) {
        return new TemplateException(msg, name, at.pos().line(), at.pos().column());
    }

    private boolean skipOp(String op) {
        if (peek().isOp(op)) { i++; return true; }
        return false;
    }

    private boolean skipName(String n) {
        if (peek().isName(n)) { i++; return true; }
        return false;
    }

    private Token expectOp(String op) {
        Token t = peek();
        if (!t.isOp(op)) throw error("expected '" + op + "', got " + t.describe(), t);
        return next();
    }

    private String expectName(String what) {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw error("expected " + what + ", got " + t.describe(), t);
        return next().text();
    }

    private void expectBlockEnd() {
        Token t = peek();
        if (t.kind() != Kind.BLOCK_END) throw error("expected '%}', got " + t.describe(), t);
        next();
    }

    private void enter() {
        if (++depth > MAX_DEPTH) throw error("template nested too deeply (more than " + MAX_DEPTH + " levels)", peek());
    }

    private void leave() { depth--; }

    // ---- statements ----

    /** Statements up to a {@code {% NAME %}} with NAME in {@code ends}; leaves the position at NAME. */
    private List<Stmt> body(Set<String> ends) {
        enter();
        List<Stmt> out = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case DATA -> { next(); out.add(new Stmt.Text(t.text(), t.pos())); }
                case VARIABLE_BEGIN -> {
                    next();
                    Expr e = tuple(true, false);
                    Token end = peek();
                    if (end.kind() != Kind.VARIABLE_END) throw error("expected '}}', got " + end.describe(), end);
                    next();
                    out.add(new Stmt.Print(e, t.pos()));
                }
                case BLOCK_BEGIN -> {
                    Token tag = peek(1);
                    if (tag.kind() == Kind.NAME && ends.contains(tag.text())) {
                        next();
                        leave();
                        return out;
                    }
                    next();
                    out.add(statement());
                }
                case END -> {
                    if (!ends.isEmpty()) {
                        Token open = openTags.peekLast();
                        throw error("unexpected end of template: expected " + describeEnds(ends) + " to close the '"
                                + open.text() + "' at line " + open.pos().line() + ", column " + open.pos().column(), t);
                    }
                    leave();
                    return out;
                }
                default -> throw error("unexpected " + t.describe(), t);
            }
        }
    }

    private static String describeEnds(Set<String> ends) {
        List<String> l = new ArrayList<>(ends);
        l.sort(null);
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < l.size(); k++) {
            if (k > 0) b.append(k == l.size() - 1 ? " or " : ", ");
            b.append("'").append(l.get(k)).append("'");
        }
        return b.toString();
    }

    private Stmt statement() {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw error("expected a tag name, got " + t.describe(), t);
        next();
        openTags.addLast(t);
        Stmt s = switch (t.text()) {
            case "if" -> ifStatement(t);
            case "for" -> forStatement(t);
            case "set" -> setStatement(t);
            case "macro" -> macroStatement(t);
            case "filter" -> filterStatement(t);
            case "generation" -> {
                expectBlockEnd();
                List<Stmt> body = body(Set.of("endgeneration"));
                next();
                expectBlockEnd();
                yield new Stmt.Generation(body, t.pos());
            }
            case "break", "continue" -> {
                if (loopDepth == 0) throw error("'" + t.text() + "' outside of a loop", t);
                expectBlockEnd();
                yield t.text().equals("break") ? new Stmt.Break(t.pos()) : new Stmt.Continue(t.pos());
            }
            default -> throw error("unknown tag '" + t.text() + "'", t);
        };
        openTags.removeLast();
        return s;
    }

    private Stmt ifStatement(Token at) {
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        tests.add(tuple(false, false));
        expectBlockEnd();
        while (true) {
            bodies.add(body(Set.of("elif", "else", "endif")));
            String tag = next().text();
            if (tag.equals("elif")) {
                tests.add(tuple(false, false));
                expectBlockEnd();
                continue;
            }
            if (tag.equals("else")) {
                expectBlockEnd();
                otherwise = body(Set.of("endif"));
                next();
            }
            expectBlockEnd();
            return new Stmt.If(tests, bodies, otherwise, at.pos());
        }
    }

    private Stmt forStatement(Token at) {
        List<String> targets = assignTargets();
        if (!skipName("in")) throw error("expected 'in', got " + peek().describe(), peek());
        Expr iter = tuple(false, false, Set.of("recursive", "if"));
        Expr filter = null;
        if (skipName("if")) filter = expression(true);
        if (peek().isName("recursive")) throw error("recursive loops are not supported", peek());
        expectBlockEnd();
        loopDepth++;
        List<Stmt> body = body(Set.of("else", "endfor"));
        loopDepth--;
        List<Stmt> otherwise = List.of();
        if (next().text().equals("else")) {
            expectBlockEnd();
            otherwise = body(Set.of("endfor"));
            next();
        }
        expectBlockEnd();
        return new Stmt.For(targets, iter, filter, body, otherwise, at.pos());
    }

    /** {@code a} or {@code a, b} or {@code (a, b)}. */
    private List<String> assignTargets() {
        List<String> names = new ArrayList<>();
        boolean paren = skipOp("(");
        do {
            if (paren && peek().isOp(")")) break;
            names.add(expectName("a variable name"));
        } while (skipOp(","));
        if (paren) expectOp(")");
        return names;
    }

    private Stmt setStatement(Token at) {
        Token first = peek();
        if (first.kind() == Kind.NAME && peek(1).isOp(".")) {
            String ns = next().text();
            next();
            String attr = expectName("an attribute name");
            expectOp("=");
            Expr value = tuple(true, false);
            expectBlockEnd();
            return new Stmt.SetAttribute(ns, attr, value, at.pos());
        }
        List<String> targets = assignTargets();
        if (skipOp("=")) {
            Expr value = tuple(true, false);
            expectBlockEnd();
            return new Stmt.Set(targets, value, at.pos());
        }
        if (targets.size() != 1) throw error("a block set assigns one name", first);
        List<Expr.Filter> filters = new ArrayList<>();
        while (skipOp("|")) filters.add(filter(null));
        expectBlockEnd();
        List<Stmt> body = body(Set.of("endset"));
        next();
        expectBlockEnd();
        return new Stmt.SetBlock(targets.get(0), filters, body, at.pos());
    }

    private Stmt macroStatement(Token at) {
        String macroName = expectName("a macro name");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            Token p = peek();
            params.add(expectName("a parameter name"));
            if (skipOp("=")) defaults.add(expression(true));
            else if (!defaults.isEmpty()) throw error("parameter without a default after one with a default", p);
        }
        expectOp(")");
        expectBlockEnd();
        List<Stmt> body = body(Set.of("endmacro"));
        next();
        expectBlockEnd();
        return new Stmt.Macro(macroName, params, defaults, body, at.pos());
    }

    private Stmt filterStatement(Token at) {
        List<Expr.Filter> filters = new ArrayList<>();
        filters.add(filter(null));
        while (skipOp("|")) filters.add(filter(null));
        expectBlockEnd();
        List<Stmt> body = body(Set.of("endfilter"));
        next();
        expectBlockEnd();
        return new Stmt.FilterBlock(filters, body, at.pos());
    }

    // ---- expressions ----

    private Expr tuple(boolean withCondition, boolean explicitParens) {
        return tuple(withCondition, explicitParens, Set.of());
    }

    /** Jinja's parse_tuple: one expression, or several separated by commas (a tuple). */
    private Expr tuple(boolean withCondition, boolean explicitParens, Set<String> extraEnds) {
        Token start = peek();
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) break;
                comma = true;
            }
            Token t = peek();
            if (t.kind() == Kind.VARIABLE_END || t.kind() == Kind.BLOCK_END || t.isOp(")")
                    || (t.kind() == Kind.NAME && extraEnds.contains(t.text()))) {
                if (items.isEmpty() && !explicitParens) throw error("expected an expression, got " + t.describe(), t);
                break;
            }
            items.add(expression(withCondition));
        }
        if (!comma && items.size() == 1) return items.get(0);
        if (items.isEmpty() && !explicitParens) throw error("expected an expression", start);
        return new Expr.ListOf(items, true, start.pos());
    }

    private Expr expression(boolean withCondition) {
        enter();
        Expr e = withCondition ? conditional() : or();
        leave();
        return e;
    }

    private Expr conditional() {
        Expr e = or();
        int chain = 0;
        while (peek().isName("if")) {
            Token t = next();
            Expr test = or();
            Expr otherwise = null;
            if (skipName("else")) {
                enter();
                chain++;
                otherwise = conditional();
            }
            e = new Expr.Conditional(test, e, otherwise, t.pos());
        }
        for (; chain > 0; chain--) leave();
        return e;
    }

    /**
     * One left-associative level of binary operators: operand (op operand)*. Each link is one level deeper for the
     * nesting limit, so a long chain fails cleanly instead of building an unbounded tree.
     */
    private Expr leftAssociative(Supplier<Expr> operand, Predicate<Token> isOperator) {
        Expr e = operand.get();
        int chain = 0;
        while (isOperator.test(peek())) {
            Token t = next();
            enter();
            chain++;
            e = new Expr.Binary(t.text(), e, operand.get(), t.pos());
        }
        for (; chain > 0; chain--) leave();
        return e;
    }

    private Expr or() { return leftAssociative(this::and, t -> t.isName("or")); }

    private Expr and() { return leftAssociative(this::not, t -> t.isName("and")); }

    private Expr not() {
        if (peek().isName("not")) {
            Token t = next();
            enter();
            Expr e = new Expr.Unary("not", not(), t.pos());
            leave();
            return e;
        }
        return compare();
    }

    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private Expr compare() {
        Token start = peek();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OPERATOR && COMPARISONS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("not in");
            } else break;
            if (ops.size() > MAX_DEPTH) throw error("comparison chain too long", t);
            rest.add(math1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, start.pos());
    }

    private Expr math1() { return leftAssociative(this::concat, t -> t.isOp("+") || t.isOp("-")); }

    private Expr concat() { return leftAssociative(this::math2, t -> t.isOp("~")); }

    private Expr math2() {
        return leftAssociative(this::pow, t -> t.isOp("*") || t.isOp("/") || t.isOp("//") || t.isOp("%"));
    }

    private Expr pow() { return leftAssociative(() -> unary(true), t -> t.isOp("**")); }

    private Expr unary(boolean withFilter) {
        enter();
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            e = new Expr.Unary(t.text(), unary(false), t.pos());
        } else {
            e = primary();
        }
        e = postfix(e);
        if (withFilter) e = filterExpression(e);
        leave();
        return e;
    }

    private Expr primary() {
        Token t = peek();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Literal(Boolean.TRUE, t.pos());
                    case "false", "False" -> new Expr.Literal(Boolean.FALSE, t.pos());
                    case "none", "None" -> new Expr.Literal(null, t.pos());
                    default -> new Expr.Name(t.text(), t.pos());
                };
            }
            case STRING -> {
                StringBuilder b = new StringBuilder();
                while (peek().kind() == Kind.STRING) b.append(next().text());
                return new Expr.Literal(b.toString(), t.pos());
            }
            case INTEGER -> {
                next();
                try {
                    return new Expr.Literal(Long.parseLong(t.text()), t.pos());
                } catch (NumberFormatException e) {
                    throw error("integer literal too large: " + t.text(), t);
                }
            }
            case FLOAT -> {
                next();
                return new Expr.Literal(Double.parseDouble(t.text()), t.pos());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        next();
                        Expr e = tuple(true, true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        next();
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) expectOp(",");
                            if (peek().isOp("]")) break;
                            items.add(expression(true));
                        }
                        expectOp("]");
                        return new Expr.ListOf(items, false, t.pos());
                    }
                    case "{" -> {
                        next();
                        List<Expr> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) expectOp(",");
                            if (peek().isOp("}")) break;
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        expectOp("}");
                        return new Expr.DictOf(keys, values, t.pos());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error("unexpected " + t.describe() + " in an expression", t);
    }

    private Expr postfix(Expr e) {
        int chain = 0;
        try {
            while (true) {
                Token t = peek();
                if (t.isOp(".") || t.isOp("[")) e = subscript(e);
                else if (t.isOp("(")) e = call(e);
                else return e;
                enter();
                chain++;
            }
        } finally {
            for (; chain > 0; chain--) leave();
        }
    }

    private Expr filterExpression(Expr e) {
        int chain = 0;
        try {
            while (true) {
                Token t = peek();
                if (t.isOp("|")) { next(); e = filter(e); }
                else if (t.isName("is")) e = test(e);
                else if (t.isOp("(")) e = call(e);
                else return e;
                enter();
                chain++;
            }
        } finally {
            for (; chain > 0; chain--) leave();
        }
    }

    private Expr subscript(Expr obj) {
        Token t = next();
        if (t.isOp(".")) {
            Token n = peek();
            if (n.kind() == Kind.NAME) { next(); return new Expr.Attribute(obj, n.text(), t.pos()); }
            if (n.kind() == Kind.INTEGER) {
                next();
                try {
                    return new Expr.Item(obj, new Expr.Literal(Long.parseLong(n.text()), n.pos()), t.pos());
                } catch (NumberFormatException e) {   // found by ChatTemplateFuzzTest: x.99999999999999999999
                    throw error("integer index too large: " + n.text(), n);
                }
            }
            throw error("expected an attribute name after '.', got " + n.describe(), n);
        }
        // '[' start? (':' stop? (':' step?)?)? ']'
        Expr start = null, stop = null, step = null;
        boolean slice = false;
        if (!peek().isOp(":")) start = expression(true);
        if (skipOp(":")) {
            slice = true;
            if (!peek().isOp("]") && !peek().isOp(":")) stop = expression(true);
            if (skipOp(":") && !peek().isOp("]")) step = expression(true);
        }
        expectOp("]");
        if (slice) return new Expr.Slice(obj, start, stop, step, t.pos());
        return new Expr.Item(obj, start, t.pos());
    }

    private record Arguments(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {}

    private Arguments arguments() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) expectOp(",");
            first = false;
            if (peek().isOp(")")) break;
            if (peek().isOp("*") || peek().isOp("**")) throw error("*args and **kwargs in calls are not supported", peek());
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                kwNames.add(next().text());
                next();
                kwValues.add(expression(true));
            } else {
                if (!kwNames.isEmpty()) throw error("positional argument after a keyword argument", peek());
                args.add(expression(true));
            }
        }
        expectOp(")");
        return new Arguments(args, kwNames, kwValues);
    }

    private Expr call(Expr fn) {
        Token t = peek();
        Arguments a = arguments();
        return new Expr.Call(fn, a.args, a.kwNames, a.kwValues, t.pos());
    }

    private String dottedName() {
        StringBuilder b = new StringBuilder(expectName("a name"));
        while (peek().isOp(".") && peek(1).kind() == Kind.NAME) {
            next();
            b.append('.').append(next().text());
        }
        return b.toString();
    }

    private Expr.Filter filter(Expr value) {
        Token t = peek();
        String filterName = dottedName();
        if (!Filters.NAMES.contains(filterName)) throw error("no filter named '" + filterName + "'", t);
        if (peek().isOp("(")) {
            Arguments a = arguments();
            return new Expr.Filter(value, filterName, a.args, a.kwNames, a.kwValues, t.pos());
        }
        return new Expr.Filter(value, filterName, List.of(), List.of(), List.of(), t.pos());
    }

    private Expr test(Expr value) {
        Token t = next(); // 'is'
        boolean negated = skipName("not");
        Token nameToken = peek();
        String testName = dottedName();
        if (!JinjaTests.NAMES.contains(testName)) throw error("no test named '" + testName + "'", nameToken);
        List<Expr> args = new ArrayList<>();
        Token n = peek();
        if (n.isOp("(")) {
            Arguments a = arguments();
            if (!a.kwNames.isEmpty()) throw error("keyword arguments to a test are not supported", n);
            args.addAll(a.args);
        } else if ((n.kind() == Kind.NAME || n.kind() == Kind.STRING || n.kind() == Kind.INTEGER
                || n.kind() == Kind.FLOAT || n.isOp("[") || n.isOp("{"))
                && !(n.kind() == Kind.NAME && Set.of("else", "or", "and").contains(n.text()))) {
            if (n.isName("is")) throw error("you cannot chain multiple tests with 'is'", n);
            enter();
            Expr arg = postfix(primary());
            leave();
            args.add(arg);
        }
        return new Expr.Test(value, testName, args, negated, t.pos());
    }
}
