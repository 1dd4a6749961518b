package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat page at {@code /} in headless Chromium (Debian's package, which {@code ./cortado test} installs as root),
 * driven by playwright-core (tools/interop/node/check_chat_page.mjs): it lists the models, takes greedy settings, sends
 * a typed message, streams the answer, whose text is transformers' greedy golden for that conversation, and rates it
 * into the server's conversation log. Without Chromium it skips with the reason, except under CI=true, where it fails.
 */
class ChatPageBrowserTest {
    @TempDir Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void aTypedMessageStreamsTheGreedyAnswerAndIsRated() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            String why = chromium + " is missing: install Debian's chromium package (./cortado test does, as root)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError(why);
            Assumptions.abort(why);
        }
        Path node = NodeOpenAiClientInteropTest.node();
        Map<String, Object> chat = OpenAiClientInteropTest.firstGreedyCase("chat");
        List<Map<String, Object>> messages = (List<Map<String, Object>>) chat.get("messages");
        assertThat(messages).as("the page sends one user message and no system message").hasSize(1);
        Path dir = OpenAiClientInteropTest.servedGolden().resolve("tiny-chat"), log = tmp.resolve("log");
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(dir), Tokenizers.open(dir), dir);
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 4, 16,
                1 << 20, 5, 0).withLogDir(log))) {
            String out = TransformersInteropTest.runScript("check_chat_page.mjs", List.of(node.toString(),
                    TransformersInteropTest.scripts().resolve("node/check_chat_page.mjs").toString(),
                    "http://127.0.0.1:" + server.port(), "tiny-chat", (String) messages.get(0).get("content"),
                    chat.get("max_tokens").toString()));
            Map<String, Object> got = OpenAiClientInteropTest.lastJsonLine(out);
            assertThat((List<Object>) got.get("models")).containsExactly("tiny-chat");
            assertThat(got.get("error")).isEqualTo(false);
            assertThat(got.get("user")).isEqualTo(messages.get(0).get("content"));
            assertThat(got.get("reply")).isEqualTo(chat.get("text"));
            assertThat((String) got.get("meta")).contains(((List<?>) chat.get("completion_ids")).size() + " tokens")
                    .contains(", length");
            assertThat((String) got.get("rated")).contains("rated good");
            assertThat((List<Object>) got.get("page_errors")).isEmpty();
        }
        assertThat(Files.readString(log.resolve("feedback.jsonl"))).contains("\"rating\":\"good\"");
    }
}
