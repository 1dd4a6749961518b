package cortado.data.chat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What fuzzing the chat template engine found (ChatTemplateFuzzTest, TokenizerConfigFuzzTest): each input threw
 * something other than a {@link TemplateException}; the crashing inputs themselves are replayed from the fuzz tests'
 * Inputs directories too.
 */
class ChatFuzzFindingsTest {
    @Test
    void anIntegerAttributeTooLargeForALongIsASyntaxError() {
        // was a NumberFormatException out of Parser.subscript (Long.parseLong of the digits after '.')
        assertThatThrownBy(() -> ChatTemplate.compile("{{ x.88888888888888888888888888888888888 }}", "tpl.jinja"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("tpl.jinja:1:6: integer index too large: 88888888888888888888888888888888888");
        assertThat(ChatTemplate.compile("{{ x.1 }}", "tpl.jinja").render(java.util.List.of(), false,
                java.util.Map.of("x", java.util.List.of("a", "b"))).text()).isEqualTo("b");
    }
}
