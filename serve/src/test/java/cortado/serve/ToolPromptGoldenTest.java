package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.TokenizerConfig;
import cortado.data.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Chat requests with {@code tools} (and an assistant turn whose tool-call arguments are JSON text, then the tool's
 * answer) render as transformers' {@code apply_chat_template(messages, tools=tools, add_generation_prompt=True)} does
 * with the Llama 3.1 and Qwen2.5 templates (data's fixture copies), the arguments parsed as vLLM does
 * (tools/golden/serve/make_tool_prompt_golden.py). Tolerance: none, character for character.
 */
class ToolPromptGoldenTest {
    @Test
    @SuppressWarnings("unchecked")
    void promptsWithToolsRenderAsTransformers() throws Exception {
        Path res = Path.of(getClass().getClassLoader().getResource("serve/tool_prompts.json").toURI());
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Json.parseObject(Files.readString(res)).get("cases");
        assertThat(cases).hasSize(4);
        for (Map<String, Object> c : cases) {
            Path dir = Path.of("..", "data", "src", "test", "resources", "chat", "models", (String) c.get("model"));
            ChatTemplate template = TokenizerConfig.load(dir).template(true)
                    .withClock(() -> LocalDateTime.of(2026, 3, 5, 10, 20, 30));
            ServedModel served = new ServedModel("m", null, null, template, Set.of());
            Map<String, Object> body = new LinkedHashMap<>((Map<String, Object>) c.get("request"));
            body.put("model", "m");
            assertThat(ChatCompletionsEndpoint.promptText(new RequestFields(body), served))
                    .as(c.get("model") + "/" + c.get("case")).isEqualTo(c.get("text"));
        }
    }
}
