package cortado.data.chat;

import java.util.List;

/** A statement of the template language: text, {@code {{ }}} output, and the {@code {% %}} tags chat templates use. */
sealed interface Stmt {
    Position pos();

    /** Literal template text. */
    record Text(String text, Position pos) implements Stmt {}

    /** {@code {{ expr }}}. */
    record Print(Expr expr, Position pos) implements Stmt {}

    /** {@code {% if %}...{% elif %}...{% else %}...{% endif %}}: tests.get(i) guards bodies.get(i). */
    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise, Position pos) implements Stmt {}

    /** {@code {% for a, b in iter if filter %}...{% else %}...{% endfor %}}. */
    record For(List<String> targets, Expr iter, Expr filter, List<Stmt> body, List<Stmt> otherwise, Position pos)
            implements Stmt {}

    /** {@code {% set a, b = value %}}. */
    record Set(List<String> targets, Expr value, Position pos) implements Stmt {}

    /** {@code {% set ns.attr = value %}}. */
    record SetAttribute(String namespace, String attribute, Expr value, Position pos) implements Stmt {}

    /** {@code {% set name | filters %}...{% endset %}}: the rendered body, filtered. */
    record SetBlock(String target, List<Expr.Filter> filters, List<Stmt> body, Position pos) implements Stmt {}

    /** {@code {% macro name(a, b=default) %}...{% endmacro %}}; defaults align with the last params. */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Position pos) implements Stmt {}

    /** {@code {% filter f %}...{% endfilter %}}. */
    record FilterBlock(List<Expr.Filter> filters, List<Stmt> body, Position pos) implements Stmt {}

    /** transformers' {@code {% generation %}...{% endgeneration %}}: marks text the assistant generates. */
    record Generation(List<Stmt> body, Position pos) implements Stmt {}

    /** {@code {% break %}} (jinja2.ext.loopcontrols, which transformers enables). */
    record Break(Position pos) implements Stmt {}

    /** {@code {% continue %}}. */
    record Continue(Position pos) implements Stmt {}
}
