package cortado.data.chat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the chat template engine: any template source either compiles or is refused with a
 * {@link TemplateException}, and a compiled template either renders any messages or fails with a
 * {@link TemplateException} (a {@link RaisedException} for {@code raise_exception}). Anything else thrown, a render
 * past the timeout, or an out-of-memory is a finding.
 *
 * <p>Input layout: if the bytes contain a NUL, what comes before the first NUL is the template and the rest is the
 * messages as JSON (a value that is not a list is passed as a one-element list, so non-object messages get through);
 * otherwise the whole input is the template, rendered with a fixed conversation. Seeds and findings replayed by
 * every {@code mvn test}: {@code src/test/resources/cortado/data/chat/ChatTemplateFuzzTestInputs/}.
 */
class ChatTemplateFuzzTest {
    static final List<Object> CONVERSATION = List.of(
            Map.of("role", "system", "content", "Be brief."),
            Map.of("role", "user", "content", "Hi <|im_end|> {{ x }}"),
            Map.of("role", "assistant", "content", " Hello! "),
            Map.of("role", "user", "content", "2+2?"));

    static final Map<String, String> SPECIAL_TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>");

    @FuzzTest(maxDuration = "10m")
    @Timeout(10)
    void compilesAndRendersOrRefusesCleanly(byte[] input) {
        int nul = indexOf(input, (byte) 0);
        String source = new String(input, 0, nul < 0 ? input.length : nul, StandardCharsets.UTF_8);
        List<?> messages = nul < 0 ? CONVERSATION : messages(Arrays.copyOfRange(input, nul + 1, input.length));
        ChatTemplate template;
        try {
            template = ChatTemplate.compile(source, "fuzz.jinja").withDefaults(SPECIAL_TOKENS)
                    .withClock(() -> ChatResources.CLOCK);
        } catch (TemplateException refused) {
            return;
        }
        renderBoth(template, messages);
    }

    /** Renders with and without the generation prompt; a template error is the clean outcome. */
    static void renderBoth(ChatTemplate template, List<?> messages) {
        for (boolean prompt : new boolean[] {false, true}) {
            try {
                template.render(messages, prompt, Map.of()).text();
            } catch (TemplateException refused) {
                // the template (or raise_exception) refused these messages, naming line and column
            }
        }
    }

    private static List<?> messages(byte[] json) {
        try {
            Object v = Json.parse(new String(json, StandardCharsets.UTF_8));
            return v instanceof List<?> l ? l : Arrays.asList(v);
        } catch (JsonException notJson) {
            return CONVERSATION;
        }
    }

    static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) if (a[i] == b) return i;
        return -1;
    }
}
