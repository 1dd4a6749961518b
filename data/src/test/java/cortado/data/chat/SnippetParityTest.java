package cortado.data.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One Jinja feature per template (whitespace control, loops and their scoping, namespace, macros, Python value
 * printing, operators, filters, tests, string and dict methods, strftime_now, errors), against the environment
 * transformers' apply_chat_template uses (snippets.json from tools/chat/make_chat_goldens.py). Tolerance: none,
 * the text must be identical (also for whitespace.json's random whitespace-control templates); an error must be an
 * error, with Jinja's message for raise_exception, undefined
 * values and operand types, and at compile time for syntax errors.
 */
class SnippetParityTest {
    /** Python errors whose message we reproduce word for word. */
    private static final Set<String> SAME_MESSAGE = Set.of("TemplateError", "UndefinedError", "TypeError");
    /** Errors Jinja raises while compiling. */
    private static final Set<String> COMPILE_TIME = Set.of("TemplateSyntaxError", "TemplateAssertionError", "SyntaxError");

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everySnippetRendersAsJinja() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) (List<?>) ChatResources.json("snippets.json").get("cases");
        assertThat(cases).hasSizeGreaterThan(40);
        return cases.stream().map(c -> DynamicTest.dynamicTest(abbreviate((String) c.get("template")), () -> check(c)));
    }

    /** 400 seeded random templates where whitespace control, trim_blocks and lstrip_blocks interact. */
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> randomWhitespaceRendersAsJinja() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) (List<?>) ChatResources.json("whitespace.json").get("cases");
        assertThat(cases).hasSize(400);
        return cases.stream().map(c -> DynamicTest.dynamicTest(abbreviate((String) c.get("template")), () -> check(c)));
    }

    /** 600 seeded random expressions over the file's variables: Python's value semantics, operators and errors. */
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> randomExpressionsEvaluateAsJinja() {
        Map<String, Object> file = ChatResources.json("expressions.json");
        Map<String, Object> vars = (Map<String, Object>) file.get("variables");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) (List<?>) file.get("cases");
        assertThat(cases).hasSize(600);
        return cases.stream().map(c -> {
            Map<String, Object> withVars = new java.util.HashMap<>(c);
            withVars.put("variables", vars);
            // Python's TypeError wording varies by call site; only Undefined errors must match word for word here
            if ("TypeError".equals(c.get("error_type"))) withVars.put("error_type", "RandomTypeError");
            return DynamicTest.dynamicTest(abbreviate((String) c.get("template")), () -> check(withVars));
        });
    }

    private static String abbreviate(String s) {
        s = s.replace("\n", "\\n").replace("\t", "\\t");
        return "[" + (s.length() > 70 ? s.substring(0, 70) + "..." : s) + "]";
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        String src = (String) c.get("template");
        Map<String, Object> vars = (Map<String, Object>) c.get("variables");
        String type = (String) c.get("error_type");
        if (type != null && COMPILE_TIME.contains(type)) {
            assertThatThrownBy(() -> ChatTemplate.compile(src, "snippet")).isInstanceOf(TemplateException.class);
            return;
        }
        ChatTemplate t = ChatTemplate.compile(src, "snippet").withClock(() -> ChatResources.CLOCK);
        if (type != null) {
            var thrown = assertThatThrownBy(() -> t.render(List.of(), false, withoutMessages(vars)))
                    .isInstanceOf(type.equals("TemplateError") ? RaisedException.class : TemplateException.class);
            if (SAME_MESSAGE.contains(type))
                thrown.extracting(e -> ((TemplateException) e).reason()).isEqualTo(c.get("error"));
            return;
        }
        assertThat(t.render(List.of(), false, withoutMessages(vars)).text()).isEqualTo(c.get("text"));
    }

    /** The snippets render without apply_chat_template's variables, so only pass messages when the case has them. */
    private static Map<String, Object> withoutMessages(Map<String, Object> vars) {
        var m = new java.util.HashMap<String, Object>(vars);
        m.putIfAbsent("messages", Undefined.variable("messages"));
        m.putIfAbsent("add_generation_prompt", Undefined.variable("add_generation_prompt"));
        m.putIfAbsent("tools", Undefined.variable("tools"));
        m.putIfAbsent("documents", Undefined.variable("documents"));
        return m;
    }
}
