package cortado.data.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading tokenizer_config.json / chat_template.jinja the way transformers does. */
class TokenizerConfigTest {
    @TempDir Path dir;

    private static final List<Object> HELLO = List.of(Map.of("role", "user", "content", "hi"));

    @Test
    void specialTokensMayBeAddedTokenObjects() {
        TokenizerConfig c = TokenizerConfig.load(ChatResources.path("models/mistral"));
        assertThat(c.specialTokens()).containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>")
                .containsEntry("unk_token", "<unk>").doesNotContainKey("pad_token");
        assertThat(c.template().render(HELLO, false, Map.of()).text()).isEqualTo("<s> [INST] hi [/INST]");
    }

    @Test
    void nullTokensAreAbsent() {
        TokenizerConfig c = TokenizerConfig.load(ChatResources.path("models/qwen2.5"));
        assertThat(c.specialTokens()).doesNotContainKey("bos_token").containsEntry("eos_token", "<|im_end|>");
    }

    @Test
    void chatTemplateJinjaWinsOverTheConfig() throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": \"from config\"}");
        assertThat(TokenizerConfig.load(dir).template().render(HELLO, false, Map.of()).text()).isEqualTo("from config");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}{{ eos_token }}\n");
        TokenizerConfig c = TokenizerConfig.load(dir);
        assertThat(c.templateFile()).isEqualTo(dir.resolve("chat_template.jinja"));
        assertThat(c.template().render(HELLO, false, Map.of()).text()).isEqualTo("hi</s>");
    }

    @Test
    void namedTemplatesPickDefaultOrToolUse() throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "default", "template": "plain"},
                                   {"name": "tool_use", "template": "tools: {{ tools | length }}"}]}""");
        TokenizerConfig c = TokenizerConfig.load(dir);
        assertThat(c.template(false).render(HELLO, false, Map.of()).text()).isEqualTo("plain");
        assertThat(c.template(true).render(HELLO, false, Map.of("tools", List.of(Map.of()))).text()).isEqualTo("tools: 1");
    }

    /** Checked against transformers 5.18: AutoTokenizer over the same directory renders the same texts and refuses the same. */
    @Test
    void additionalChatTemplatesDirectoryAsTransformers5SavesIt() throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": \"from config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "default: {{ messages[0].content }}");
        Files.createDirectories(dir.resolve("additional_chat_templates"));
        Path toolUse = dir.resolve("additional_chat_templates/tool_use.jinja");
        Files.writeString(toolUse, "tools: {{ tools | length }}");
        TokenizerConfig c = TokenizerConfig.load(dir);
        assertThat(c.template(false).render(HELLO, false, Map.of()).text()).isEqualTo("default: hi");
        assertThat(c.template(true).render(HELLO, false, Map.of("tools", List.of(Map.of()))).text()).isEqualTo("tools: 1");
        assertThat(c.origins()).containsEntry("tool_use", toolUse.toString());
        Files.delete(dir.resolve("chat_template.jinja"));
        // the files replace the config's template, so now there is no default
        assertThatThrownBy(() -> TokenizerConfig.load(dir).template(false)).hasMessageContaining("none named 'default'");
        assertThat(TokenizerConfig.load(dir).template(true).render(HELLO, false, Map.of("tools", List.of())).text())
                .isEqualTo("tools: 0");
    }

    @Test
    void extraVariablesOverrideSpecialTokens() throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"chat_template\": \"{{ bos_token }}|{{ tools }}|{{ documents }}|{{ add_generation_prompt }}\"}");
        ChatTemplate t = TokenizerConfig.load(dir).template();
        assertThat(t.render(HELLO, true, Map.of()).text()).isEqualTo("<s>|None|None|True");
        assertThat(t.render(HELLO, false, Map.of("bos_token", "B")).text()).isEqualTo("B|None|None|False");
    }

    @Test
    void badFilesAreOneErrorNamingTheFile() throws Exception {
        Path cfg = dir.resolve("tokenizer_config.json");
        assertThatThrownBy(() -> TokenizerConfig.load(dir)).hasMessage(dir + ": no tokenizer_config.json or chat_template.jinja");
        Files.writeString(cfg, "{\"chat_template\": \n 12,}");
        assertThatThrownBy(() -> TokenizerConfig.load(dir)).hasMessageStartingWith(cfg + ": malformed JSON").hasMessageContaining("line 2");
        Files.writeString(cfg, "{\"chat_template\": 12}");
        assertThatThrownBy(() -> TokenizerConfig.load(dir)).hasMessage(cfg + ": field 'chat_template' must be a string or a list");
        Files.writeString(cfg, "{\"bos_token\": 3, \"chat_template\": \"x\"}");
        assertThatThrownBy(() -> TokenizerConfig.load(dir)).hasMessageContaining("field 'bos_token'");
        Files.writeString(cfg, "{\"eos_token\": \"x\"}");
        assertThatThrownBy(() -> TokenizerConfig.load(dir).template()).hasMessageContaining("has no chat template");
        Files.writeString(cfg, "{\"chat_template\": \"ok\\n{% if %}\"}");
        assertThatThrownBy(() -> TokenizerConfig.load(dir).template())
                .isInstanceOf(TemplateException.class).hasMessageStartingWith(cfg + " (chat_template):2:7: ");
        Files.write(dir.resolve("chat_template.jinja"), new byte[] {(byte) 0xff});
        assertThatThrownBy(() -> TokenizerConfig.load(dir)).hasMessage(dir.resolve("chat_template.jinja") + ": not valid UTF-8");
    }
}
