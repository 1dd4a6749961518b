package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.chat.ChatTemplate;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.models.CausalLm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The byte-level paths TRL's goldens do not cover (SftParityTest has the tokenizer.json ones): an EOS id appended when
 * the tokenizer has no EOS text, generation-marker masks over bytes, and the refusals.
 */
class SftTokenizationTest {
    private static final int I = CausalLm.IGNORE_INDEX;
    private final ByteTokenizer bytes = new ByteTokenizer();

    @Test
    void textCompletionGetsTheEosIdAndOnlyItIsScored() {
        SftTokenization t = new SftTokenization(bytes, null, null, ByteTokenizer.END_OF_TEXT, SftTokenization.Loss.COMPLETION);
        SftExample e = t.encode(new SftRecord.Text("ab", "c"));
        assertThat(e.inputIds()).containsExactly('a', 'b', 'c', 256);
        assertThat(e.labels()).containsExactly(I, I, 'c', 256);
        SftExample all = new SftTokenization(bytes, null, null, 256, SftTokenization.Loss.ALL)
                .encode(new SftRecord.Text("ab", "c"));
        assertThat(all.labels()).containsExactly('a', 'b', 'c', 256);
        assertThatThrownBy(() -> new SftTokenization(bytes, null, null, SftTokenization.Loss.COMPLETION)
                .encode(new SftRecord.Text("a", "b"))).hasMessageContaining("needs an EOS token");
    }

    @Test
    void assistantMaskCoversTheGenerationBlocks() {
        ChatTemplate tpl = ChatTemplate.compile("{% for m in messages %}{% if m.role == 'assistant' %}>{% generation %}"
                + "{{ m.content }};{% endgeneration %}{% else %}<{{ m.content }};{% endif %}{% endfor %}", "t");
        SftTokenization t = new SftTokenization(bytes, tpl, null, 256, SftTokenization.Loss.COMPLETION);
        List<Map<String, Object>> chat = List.of(Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "yo"), Map.of("role", "user", "content", "q"),
                Map.of("role", "assistant", "content", "a"));
        SftExample e = t.encode(new SftRecord.Chat(chat));
        assertThat(new String(e.inputIds(), 0, e.length())).isEqualTo("<hi;>yo;<q;>a;");
        assertThat(e.labels()).containsExactly(I, I, I, I, I, 'y', 'o', ';', I, I, I, I, 'a', ';');

        ChatTemplate plain = ChatTemplate.compile("{% for m in messages %}{{ m.content }}{% endfor %}", "p");
        assertThatThrownBy(() -> new SftTokenization(bytes, plain, null, 256, SftTokenization.Loss.COMPLETION)
                .encode(new SftRecord.Chat(chat))).hasMessageContaining("no {% generation %} markers");
        ChatTemplate empty = ChatTemplate.compile("{% for m in messages %}{{ m.content }}{% endfor %}"
                + "{% generation %}{% endgeneration %}", "e");
        assertThatThrownBy(() -> new SftTokenization(bytes, empty, null, 256, SftTokenization.Loss.COMPLETION)
                .encode(new SftRecord.Chat(chat))).hasMessageContaining("no assistant tokens");
    }
}
