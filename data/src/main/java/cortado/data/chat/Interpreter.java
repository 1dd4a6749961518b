package cortado.data.chat;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Renders parsed statements, with Jinja's scoping rules: {@code if} opens no scope; every iteration of a
 * {@code for} gets a fresh scope over the enclosing one (so a {@code set} inside a loop is gone after it, which is
 * why templates use {@code namespace()}); a macro call gets its own scope over the one it was defined in.
 * One instance renders one template call; it is not thread-safe.
 */
final class Interpreter {
    /** Longest rendered text accepted, so a template cannot exhaust memory (e.g. {@code 'x' * 10**9}). */
    static final int MAX_OUTPUT_CHARS = 64 << 20;
    /** Deepest macro recursion accepted. */
    static final int MAX_CALL_DEPTH = 64;
    /** Largest {@code range()} accepted: Jinja's sandbox's MAX_RANGE. */
    static final long MAX_RANGE = 100_000;
    /** Most statements one render may execute, so nested loops over large ranges end with an error, not a hang. */
    static final long MAX_STEPS = 5_000_000;

    final String name;
    private final StringBuilder root = new StringBuilder();
    private final List<Rendered.Span> spans = new ArrayList<>();
    private final Supplier<LocalDateTime> clock;
    private int callDepth;
    private long steps;

    /** A chain of variable maps, innermost first. */
    static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) { this.parent = parent; }

        Object lookup(String n) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.vars.get(n);
                if (v != null || s.vars.containsKey(n)) return v;
            }
            return MISSING;
        }
    }

    static final Object MISSING = new Object();

    private enum Flow { NORMAL, BREAK, CONTINUE }

    Interpreter(String name, Supplier<LocalDateTime> clock) {
        this.name = name;
        this.clock = clock;
    }

    TemplateException error(String msg, Position at) {
        return new TemplateException(msg, name, at.line(), at.column());
    }

    /** Renders {@code body} with {@code variables} over the built-in globals. */
    Rendered render(List<Stmt> body, Map<String, Object> variables) {
        Scope globals = new Scope(null);
        Globals.install(globals.vars, clock);
        Scope top = new Scope(globals);
        top.vars.putAll(variables);
        try {
            exec(body, top, root);
        } catch (StackOverflowError e) {
            // only a value the template built nested thousands deep (e.g. set x = [x] in a loop) gets here:
            // the parser caps the nesting of the template itself
            throw new TemplateException("value nested too deeply to evaluate", name, 1, 1);
        }
        return new Rendered(root.toString(), List.copyOf(spans));
    }

    // ---- statements ----

    private void append(StringBuilder out, String s, Position at) {
        if ((long) out.length() + s.length() > MAX_OUTPUT_CHARS)
            throw error("rendered text longer than " + MAX_OUTPUT_CHARS + " characters", at);
        out.append(s);
    }

    private Flow exec(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt s : body) {
            Flow f = exec(s, scope, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt s, Scope scope, StringBuilder out) {
        step(s.pos());
        switch (s) {
            case Stmt.Text t -> append(out, t.text(), t.pos());
            case Stmt.Print p -> append(out, PythonValues.str(eval(p.expr(), scope)), p.pos());
            case Stmt.If f -> {
                for (int k = 0; k < f.tests().size(); k++)
                    if (PythonValues.truthy(eval(f.tests().get(k), scope))) return exec(f.bodies().get(k), scope, out);
                return exec(f.otherwise(), scope, out);
            }
            case Stmt.For f -> { return loop(f, scope, out); }
            case Stmt.Set st -> assign(st.targets(), eval(st.value(), scope), scope, st.pos());
            case Stmt.SetAttribute sa -> {
                Object ns = scope.lookup(sa.namespace());
                if (!(ns instanceof Namespace n))
                    throw error("cannot assign attribute on non-namespace object '" + sa.namespace() + "'", sa.pos());
                n.attributes.put(sa.attribute(), eval(sa.value(), scope));
            }
            case Stmt.SetBlock sb -> {
                StringBuilder buf = new StringBuilder();
                exec(sb.body(), new Scope(scope), buf);
                Object v = buf.toString();
                for (Expr.Filter f : sb.filters()) v = applyFilter(f, v, scope);
                scope.vars.put(sb.target(), v);
            }
            case Stmt.Macro m -> scope.vars.put(m.name(), new Macro(m, scope));
            case Stmt.FilterBlock fb -> {
                StringBuilder buf = new StringBuilder();
                exec(fb.body(), new Scope(scope), buf);
                Object v = buf.toString();
                for (Expr.Filter f : fb.filters()) v = applyFilter(f, v, scope);
                append(out, PythonValues.str(v), fb.pos());
            }
            case Stmt.Generation g -> {
                // transformers' AssistantTracker: the span starts at the length of the text rendered at the top
                // level so far and covers the block's own output.
                StringBuilder buf = new StringBuilder();
                exec(g.body(), new Scope(scope), buf);
                int start = root.length();
                spans.add(new Rendered.Span(start, start + buf.length()));
                append(out, buf.toString(), g.pos());
            }
            case Stmt.Break b -> { return Flow.BREAK; }
            case Stmt.Continue c -> { return Flow.CONTINUE; }
        }
        return Flow.NORMAL;
    }

    private void step(Position at) {
        if (++steps > MAX_STEPS) throw error("template ran more than " + MAX_STEPS + " steps", at);
    }

    private void assign(List<String> targets, Object value, Scope scope, Position at) {
        if (targets.size() == 1) {
            scope.vars.put(targets.get(0), value);
            return;
        }
        List<Object> items = PythonValues.iterate(value);
        if (items == null || value instanceof Undefined)
            throw error("cannot unpack " + PythonValues.typeName(value) + " into " + targets.size() + " names", at);
        if (items.size() != targets.size())
            throw error("expected " + targets.size() + " values to unpack, got " + items.size(), at);
        for (int k = 0; k < targets.size(); k++) scope.vars.put(targets.get(k), items.get(k));
    }

    private Flow loop(Stmt.For f, Scope scope, StringBuilder out) {
        Object seq = eval(f.iter(), scope);
        List<Object> items = PythonValues.iterate(seq);
        if (items == null) throw error("'" + PythonValues.typeName(seq) + "' object is not iterable", f.iter().pos());
        if (f.filter() != null) {
            // Jinja filters before the loop: loop.length and loop.last count only the kept items
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                step(f.pos());
                Scope s = new Scope(scope);
                assign(f.targets(), item, s, f.pos());
                if (PythonValues.truthy(eval(f.filter(), s))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) return exec(f.otherwise(), new Scope(scope), out);
        Loop loop = new Loop(items);
        for (int k = 0; k < items.size(); k++) {
            step(f.pos());
            loop.index0 = k;
            Scope s = new Scope(scope);
            s.vars.put("loop", loop);
            assign(f.targets(), items.get(k), s, f.pos());
            if (exec(f.body(), s, out) == Flow.BREAK) break;
        }
        return Flow.NORMAL;
    }

    private Object applyFilter(Expr.Filter f, Object value, Scope scope) {
        List<Object> args = evalAll(f.args(), scope);
        Map<String, Object> kwargs = evalKeywords(f.kwNames(), f.kwValues(), scope);
        return Filters.apply(f.name(), value, args, kwargs, this, f.pos());
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) out.add(eval(e, scope));
        return out;
    }

    private Map<String, Object> evalKeywords(List<String> names, List<Expr> values, Scope scope) {
        if (names.isEmpty()) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) out.put(names.get(k), eval(values.get(k), scope));
        return out;
    }

    // ---- macros ----

    /** A {@code {% macro %}} bound to the scope it was defined in. */
    private final class Macro implements Callable {
        private final Stmt.Macro def;
        private final Scope closure;

        Macro(Stmt.Macro def, Scope closure) {
            this.def = def;
            this.closure = closure;
        }

        @Override
        public Object call(List<Object> args, Map<String, Object> kwargs, Interpreter interp, Position at) {
            List<String> params = def.params();
            if (args.size() > params.size())
                throw error("macro '" + def.name() + "' takes not more than " + params.size() + " argument(s)", at);
            if (++callDepth > MAX_CALL_DEPTH) {
                callDepth--;
                throw error("macro calls nested deeper than " + MAX_CALL_DEPTH, at);
            }
            try {
                Scope s = new Scope(closure);
                int firstDefault = params.size() - def.defaults().size();
                for (int k = 0; k < params.size(); k++) {
                    String p = params.get(k);
                    Object v;
                    if (k < args.size()) v = args.get(k);
                    else if (kwargs.containsKey(p)) v = kwargs.get(p);
                    else if (k >= firstDefault) v = eval(def.defaults().get(k - firstDefault), s);
                    else v = Undefined.variable(p);
                    s.vars.put(p, v);
                }
                for (String k : kwargs.keySet())
                    if (!params.contains(k)) throw error("macro '" + def.name() + "' takes no keyword argument '" + k + "'", at);
                StringBuilder buf = new StringBuilder();
                exec(def.body(), s, buf);
                return buf.toString();
            } finally {
                callDepth--;
            }
        }

        @Override public String describe() { return "<Macro '" + def.name() + "'>"; }
    }

    // ---- expressions ----

    Object eval(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Literal l -> l.value();
            case Expr.Name n -> {
                Object v = scope.lookup(n.name());
                yield v == MISSING ? Undefined.variable(n.name()) : v;
            }
            case Expr.ListOf l -> {
                List<Object> items = evalAll(l.items(), scope);
                yield l.tuple() ? new Tuple(items) : items;
            }
            case Expr.DictOf d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) m.put(eval(d.keys().get(k), scope), eval(d.values().get(k), scope));
                yield m;
            }
            case Expr.Attribute a -> Access.attribute(eval(a.obj(), scope), a.name(), this, a.pos());
            case Expr.Item it -> Access.item(eval(it.obj(), scope), eval(it.key(), scope), this, it.pos());
            case Expr.Slice sl -> Access.slice(eval(sl.obj(), scope),
                    sl.start() == null ? null : eval(sl.start(), scope),
                    sl.stop() == null ? null : eval(sl.stop(), scope),
                    sl.step() == null ? null : eval(sl.step(), scope), this, sl.pos());
            case Expr.Call c -> {
                Object fn = eval(c.fn(), scope);
                List<Object> args = evalAll(c.args(), scope);
                Map<String, Object> kwargs = evalKeywords(c.kwNames(), c.kwValues(), scope);
                if (fn instanceof Undefined u) throw error(u.message(), c.pos());
                if (!(fn instanceof Callable callable))
                    throw error("'" + PythonValues.typeName(fn) + "' object is not callable", c.pos());
                yield callable.call(args, kwargs, this, c.pos());
            }
            case Expr.Filter f -> applyFilter(f, eval(f.value(), scope), scope);
            case Expr.Test t -> {
                Object v = eval(t.value(), scope);
                boolean r = JinjaTests.apply(t.name(), v, evalAll(t.args(), scope), this, t.pos());
                yield t.negated() != r;
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand(), scope);
                yield switch (u.op()) {
                    case "not" -> !PythonValues.truthy(v);
                    default -> Arithmetic.unary(u.op(), v, this, u.pos());
                };
            }
            case Expr.Binary b -> switch (b.op()) {
                case "and" -> {
                    Object l = eval(b.left(), scope);
                    yield PythonValues.truthy(l) ? eval(b.right(), scope) : l;
                }
                case "or" -> {
                    Object l = eval(b.left(), scope);
                    yield PythonValues.truthy(l) ? l : eval(b.right(), scope);
                }
                case "~" -> {
                    String l = PythonValues.str(eval(b.left(), scope));
                    String r = PythonValues.str(eval(b.right(), scope));
                    if ((long) l.length() + r.length() > MAX_OUTPUT_CHARS) throw error("string too long", b.pos());
                    yield l + r;
                }
                default -> Arithmetic.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope), this, b.pos());
            };
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                boolean result = true;
                for (int k = 0; k < c.ops().size() && result; k++) {
                    Object right = eval(c.rest().get(k), scope);
                    result = Arithmetic.compare(c.ops().get(k), left, right, this, c.pos());
                    left = right;
                }
                yield result;
            }
            case Expr.Conditional c -> {
                if (PythonValues.truthy(eval(c.test(), scope))) yield eval(c.then(), scope);
                yield c.otherwise() == null ? Undefined.variable("the inline if-expression evaluated to false and no else section was defined")
                        : eval(c.otherwise(), scope);
            }
        };
    }
}
