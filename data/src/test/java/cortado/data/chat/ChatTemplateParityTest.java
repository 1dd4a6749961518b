package cortado.data.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The six families' chat templates (Llama 3, Qwen2.5, Mistral, SmolLM2, Zephyr, Gemma) and a TRL-style training
 * template, rendered against transformers' {@code apply_chat_template(tokenize=False)} (goldens.json from
 * tools/chat/make_chat_goldens.py). Tolerance: none; the text must be identical character for character, a
 * refused conversation must raise with transformers' message, and {@code {% generation %}} spans must equal
 * transformers' generation indices.
 */
class ChatTemplateParityTest {
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() {
        return (List<Map<String, Object>>) (List<?>) ChatResources.json("goldens.json").get("cases");
    }

    @TestFactory
    Stream<DynamicTest> everyConversationRendersAsTransformers() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                c.get("model") + "/" + c.get("conversation") + (Boolean.TRUE.equals(c.get("add_generation_prompt")) ? "+gen" : ""),
                () -> check(c)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        TokenizerConfig config = TokenizerConfig.load(ChatResources.path("models/" + c.get("model")));
        Object tools = c.get("tools");
        ChatTemplate t = config.template(tools != null).withClock(() -> ChatResources.CLOCK);
        Map<String, Object> extra = new HashMap<>();
        if (tools != null) extra.put("tools", tools);
        List<Object> messages = (List<Object>) c.get("messages");
        boolean gen = (Boolean) c.get("add_generation_prompt");
        if (c.containsKey("error")) {
            assertThat(c.get("error_type")).isEqualTo("TemplateError");
            assertThatThrownBy(() -> t.render(messages, gen, extra))
                    .isInstanceOf(RaisedException.class)
                    .extracting(e -> ((RaisedException) e).reason()).isEqualTo(c.get("error"));
            return;
        }
        Rendered r = t.render(messages, gen, extra);
        assertThat(r.text()).isEqualTo(c.get("text"));
        if (c.containsKey("generation_spans")) {
            List<List<Object>> want = (List<List<Object>>) c.get("generation_spans");
            List<List<Object>> got = new ArrayList<>();
            // transformers counts Python characters (code points); Rendered.Span indexes the Java string (UTF-16)
            String text = r.text();
            for (Rendered.Span s : r.generationSpans())
                got.add(List.of((long) text.codePointCount(0, s.start()), (long) text.codePointCount(0, s.end())));
            assertThat(got).isEqualTo(want);
        } else {
            assertThat(r.generationSpans()).isEmpty();
        }
    }

    @Test
    void theGoldensCoverEveryFamilyAndBothPromptSettings() {
        var seen = new java.util.TreeSet<String>();
        int refusals = 0, withSpans = 0;
        for (Map<String, Object> c : cases()) {
            seen.add((String) c.get("model"));
            if (c.containsKey("error")) refusals++;
            if (c.get("generation_spans") instanceof List<?> l && !l.isEmpty()) withSpans++;
        }
        assertThat(seen).containsExactly("chatml-sft", "gemma", "llama3", "mistral", "qwen2.5", "smollm2", "zephyr");
        assertThat(refusals).isGreaterThanOrEqualTo(6);
        assertThat(withSpans).isGreaterThanOrEqualTo(6);
        if (cases().size() < 100) fail("expected the full golden set, got " + cases().size());
    }

    @Test
    void spansCoverExactlyTheAssistantTurns() {
        for (Map<String, Object> c : cases()) {
            if (!c.get("model").equals("chatml-sft") || !c.get("conversation").equals("multi_turn")) continue;
            TokenizerConfig config = TokenizerConfig.load(ChatResources.path("models/chatml-sft"));
            @SuppressWarnings("unchecked") List<Object> messages = (List<Object>) c.get("messages");
            Rendered r = config.template().render(messages, false, Map.of());
            assertThat(r.generationSpans()).hasSize(2);
            Rendered.Span s = r.generationSpans().get(0);
            assertThat(r.text().substring(s.start(), s.end())).isEqualTo("Hello! How can I help?<|im_end|>");
            return;
        }
        fail("no chatml-sft multi_turn golden");
    }
}
