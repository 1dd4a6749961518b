package cortado.data.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bad templates fail with one clear error naming the template, line and column; hostile ones end quickly. */
class TemplateErrorsTest {
    private static TemplateException compileError(String src) {
        try {
            ChatTemplate.compile(src, "tpl.jinja");
        } catch (TemplateException e) {
            return e;
        }
        throw new AssertionError("expected a syntax error for: " + src);
    }

    private static TemplateException renderError(String src, Map<String, ?> vars) {
        ChatTemplate t = ChatTemplate.compile(src, "tpl.jinja");
        try {
            t.render(List.of(), false, vars);
        } catch (TemplateException e) {
            return e;
        }
        throw new AssertionError("expected a render error for: " + src);
    }

    @Test
    void syntaxErrorsNameTheLineAndColumn() {
        TemplateException e = compileError("line one\n{% if x %}\n  {{ x + }}\n{% endif %}");
        assertThat(e.getMessage()).isEqualTo("tpl.jinja:3:10: unexpected '}}' in an expression");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isEqualTo(10);

        assertThat(compileError("{% for m in messages %}\n{{ m }}").getMessage())
                .isEqualTo("tpl.jinja:2:8: unexpected end of template: expected 'else' or 'endfor' to close the 'for' at line 1, column 4");
        assertThat(compileError("ok\n\n   {% endif %}").getMessage()).isEqualTo("tpl.jinja:3:7: unknown tag 'endif'");
        assertThat(compileError("{{ 'open }}").getMessage()).isEqualTo("tpl.jinja:1:4: unterminated string literal");
        assertThat(compileError("{# never closed").getMessage()).isEqualTo("tpl.jinja:1:1: missing end of comment tag '#}'");
        assertThat(compileError("x {{ y ").getMessage())
                .isEqualTo("tpl.jinja:1:3: unexpected end of template: tag opened here is never closed");
        assertThat(compileError("{{ x | nosuch }}").getMessage()).isEqualTo("tpl.jinja:1:8: no filter named 'nosuch'");
        assertThat(compileError("{{ x is nosuch }}").getMessage()).isEqualTo("tpl.jinja:1:9: no test named 'nosuch'");
        assertThat(compileError("{% break %}").getMessage()).isEqualTo("tpl.jinja:1:4: 'break' outside of a loop");
        assertThat(compileError("{{ a $ b }}").reason()).isEqualTo("unexpected character '$' in tag");
    }

    @Test
    void renderErrorsNameWhereTheyHappen() {
        TemplateException e = renderError("a\n{{ foo.bar }}", Map.of());
        assertThat(e.getMessage()).isEqualTo("tpl.jinja:2:7: 'foo' is undefined");
        e = renderError("{% for m in messages %}{{ m.content + 1 }}{% endfor %}",
                Map.of("messages", List.of(Map.of("content", "hi"))));
        assertThat(e.getMessage()).isEqualTo("tpl.jinja:1:37: can only concatenate str (not \"int\") to str");
        e = renderError("\n\n  {{ raise_exception('No system role') }}", Map.of());
        assertThat(e).isInstanceOf(RaisedException.class);
        assertThat(e.reason()).isEqualTo("No system role");
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String[][] nests = {{"(", ")"}, {"[", "]"}, {"{'k': ", "}"}, {"not ", ""}, {"-", ""}, {"x if y else ", ""},
            {"f(", ")"}, {"x[", "]"}};
        for (String[] n : nests) {
            String src = "{{ " + n[0].repeat(20_000) + "1" + n[1].repeat(20_000) + " }}";
            assertThat(compileError(src).reason()).as(n[0]).contains("nested too deeply");
        }
        String ifs = "{% if x %}".repeat(20_000) + "{% endif %}".repeat(20_000);
        assertThat(compileError(ifs).reason()).contains("nested too deeply");
        String chain = "{{ " + "1 + ".repeat(20_000) + "1 }}";
        assertThat(compileError(chain).reason()).contains("nested too deeply");
        String filters = "{{ x" + " | trim".repeat(20_000) + " }}";
        assertThat(compileError(filters).reason()).contains("nested too deeply");
        // nesting that real templates use is far below the cap
        ChatTemplate.compile("{{ " + "(".repeat(40) + "1" + ")".repeat(40) + " }}", "ok");
    }

    @Test
    void runawayTemplatesEndWithAnError() {
        assertThat(renderError("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", Map.of()).reason())
                .isEqualTo("macro calls nested deeper than " + Interpreter.MAX_CALL_DEPTH);
        assertThat(renderError("{{ range(1000000000) | length }}", Map.of()).reason()).startsWith("Range too big");
        assertThat(renderError("{{ 'x' * 1000000000 }}", Map.of()).reason()).isEqualTo("repetition result too long");
        long t0 = System.nanoTime();
        assertThat(renderError("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                Map.of()).reason()).contains("steps");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void valuesNestedTooDeeplyToPrintAreAnError() {
        assertThat(renderError("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}"
                + "{% endfor %}{{ ns.x }}", Map.of()).reason()).isEqualTo("value nested too deeply to evaluate");
    }

    /**
     * Random token soup: every outcome is a rendered text or a TemplateException, never another exception or a
     * hang. (The Jazzer fuzzing of issue 7 comes later; this is the cheap always-on version.)
     */
    @Test
    void randomTemplatesFailCleanly() {
        String[] pieces = {"{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "if", "for", "in", "endif", "endfor", "set",
            "=", "x", "ns", ".", "a", "(", ")", "[", "]", "{", "}", "'s'", "\"t", "1", "2.5", "+", "-", "*", "/", "//", "%",
            "~", "|", "trim", "tojson", "length", "is", "not", "defined", "none", "and", "or", "else", "elif", ",", ":",
            "macro", "endmacro", "namespace", "range", "loop", "raw", "endraw", " ", "\n", "generation", "endgeneration",
            "messages", "raise_exception", "break", "continue", "items", "selectattr", "join", "=="};
        Random r = new Random(7);
        Map<String, Object> vars = Map.of("x", List.of(1L, "a", Map.of("k", "v")), "a", "text");
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + r.nextInt(30);
            for (int k = 0; k < len; k++) b.append(pieces[r.nextInt(pieces.length)]).append(r.nextBoolean() ? " " : "");
            String src = b.toString();
            try {
                ChatTemplate.compile(src, "fuzz").render(List.of(Map.of("role", "user", "content", "hi")), true, vars);
            } catch (TemplateException expected) {
                assertThat(expected.getMessage()).startsWith("fuzz:");
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("template " + src.replace("\n", "\\n") + " threw " + e, e);
            }
        }
    }
}
